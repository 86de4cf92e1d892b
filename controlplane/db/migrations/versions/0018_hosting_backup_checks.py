"""hosting: integrity checks of backup copies (restic check)

``hosting_backup_checks``: one row per check of one copy (``restic check`` reading
``subset_percent`` % of its data packs), its state, why it failed and the packs restic
named as damaged.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from controlplane.db.base import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hosting_backup_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("subset_percent", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "damaged_packs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_hosting_backup_checks_job_id_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["hosting_backup_repositories.id"],
            name=op.f("fk_hosting_backup_checks_repository_id_hosting_backup_repositories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hosting_backup_checks_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_backup_checks")),
    )
    with op.batch_alter_table("hosting_backup_checks", schema=None) as batch_op:
        for column in ("job_id", "repository_id", "state", "tenant_id"):
            batch_op.create_index(
                batch_op.f(f"ix_hosting_backup_checks_{column}"), [column], unique=False
            )


def downgrade() -> None:
    with op.batch_alter_table("hosting_backup_checks", schema=None) as batch_op:
        for column in ("job_id", "repository_id", "state", "tenant_id"):
            batch_op.drop_index(batch_op.f(f"ix_hosting_backup_checks_{column}"))
    op.drop_table("hosting_backup_checks")
