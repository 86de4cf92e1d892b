"""ssi plane: HN/CaRE tracker declarations, technical check targets and results

Revision ID: 0011
Revises: 0005
Create Date: 2026-11-28 00:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from controlplane.db.base import UTCDateTime

revision = "0011"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ssi_indicator_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.String(length=64), nullable=False),
        sa.Column("framework_version", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("value", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("declared_by", sa.String(length=200), nullable=False),
        sa.Column("declared_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"],
            name=op.f("fk_ssi_indicator_declarations_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ssi_indicator_declarations")),
        sa.UniqueConstraint(
            "tenant_id", "framework_id", "item_id",
            name=op.f("uq_ssi_indicator_declarations_tenant_id"),
        ),
    )
    with op.batch_alter_table("ssi_indicator_declarations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ssi_indicator_declarations_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "ssi_check_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("ports", JSON, nullable=False),
        sa.Column("expected_open", JSON, nullable=False),
        sa.Column("tls_ports", JSON, nullable=False),
        sa.Column("ssh_ports", JSON, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_ssi_check_targets_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ssi_check_targets")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_ssi_check_targets_tenant_id")),
    )
    with op.batch_alter_table("ssi_check_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ssi_check_targets_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "ssi_check_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("open_ports", JSON, nullable=False),
        sa.Column("tls", JSON, nullable=False),
        sa.Column("ssh", JSON, nullable=False),
        sa.Column("findings", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["target_id"], ["ssi_check_targets.id"],
            name=op.f("fk_ssi_check_results_target_id_ssi_check_targets"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_ssi_check_results_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ssi_check_results")),
        sa.UniqueConstraint("job_id", "target_id", name=op.f("uq_ssi_check_results_job_id")),
    )
    with op.batch_alter_table("ssi_check_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ssi_check_results_target_id"), ["target_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ssi_check_results_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ssi_check_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ssi_check_results_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_ssi_check_results_target_id"))
    op.drop_table("ssi_check_results")
    with op.batch_alter_table("ssi_check_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ssi_check_targets_tenant_id"))
    op.drop_table("ssi_check_targets")
    with op.batch_alter_table("ssi_indicator_declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ssi_indicator_declarations_tenant_id"))
    op.drop_table("ssi_indicator_declarations")
