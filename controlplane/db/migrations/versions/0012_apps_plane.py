"""apps plane: targets, enrolments, deployments, instances

Revision ID: 0012
Revises: 0005
Create Date: 2026-11-28 00:22:54.973717
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from controlplane.db.base import UTCDateTime

revision = "0012"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table("apps_targets",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=63), nullable=False),
    sa.Column("address", sa.String(length=255), nullable=False),
    sa.Column("connection", sa.String(length=8), nullable=False),
    sa.Column("ssh_port", sa.Integer(), nullable=False),
    sa.Column("ssh_user", sa.String(length=64), nullable=True),
    sa.Column("prefix", sa.String(length=255), nullable=False),
    sa.Column("python", sa.String(length=255), nullable=False),
    sa.Column("ports", JSON, nullable=False),
    sa.Column("site", sa.String(length=64), nullable=True),
    sa.Column("network_access", sa.String(length=4), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_apps_targets")),
    sa.UniqueConstraint("name", name=op.f("uq_apps_targets_name"))
    )
    op.create_table("apps_enrolments",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.Column("service", sa.String(length=32), nullable=False),
    sa.Column("settings", JSON, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_apps_enrolments_tenant_id_tenants")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_apps_enrolments")),
    sa.UniqueConstraint("tenant_id", "service", name=op.f("uq_apps_enrolments_tenant_id"))
    )
    with op.batch_alter_table("apps_enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apps_enrolments_service"), ["service"], unique=False)
        batch_op.create_index(batch_op.f("ix_apps_enrolments_tenant_id"), ["tenant_id"], unique=False)

    op.create_table("apps_deployments",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("action", sa.String(length=16), nullable=False),
    sa.Column("releases", JSON, nullable=False),
    sa.Column("targets", JSON, nullable=False),
    sa.Column("strategy", sa.String(length=16), nullable=False),
    sa.Column("batch_size", sa.Integer(), nullable=False),
    sa.Column("config", JSON, nullable=False),
    sa.Column("secret_refs", JSON, nullable=False),
    sa.Column("state", sa.String(length=16), nullable=False),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.Column("rollback_of", sa.Integer(), nullable=True),
    sa.Column("job_id", sa.Integer(), nullable=True),
    sa.Column("created_by", sa.String(length=200), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_apps_deployments_job_id_jobs")),
    sa.ForeignKeyConstraint(["rollback_of"], ["apps_deployments.id"], name=op.f("fk_apps_deployments_rollback_of_apps_deployments")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_apps_deployments"))
    )
    with op.batch_alter_table("apps_deployments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apps_deployments_state"), ["state"], unique=False)

    op.create_table("apps_instances",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("service", sa.String(length=32), nullable=False),
    sa.Column("target_id", sa.Integer(), nullable=False),
    sa.Column("version", sa.String(length=32), nullable=False),
    sa.Column("previous_version", sa.String(length=32), nullable=True),
    sa.Column("config_sha256", sa.String(length=64), nullable=False),
    sa.Column("health", sa.String(length=16), nullable=False),
    sa.Column("health_detail", sa.Text(), nullable=True),
    sa.Column("drift", JSON, nullable=False),
    sa.Column("observed", JSON, nullable=False),
    sa.Column("observed_at", UTCDateTime(), nullable=True),
    sa.Column("deployment_id", sa.Integer(), nullable=True),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["deployment_id"], ["apps_deployments.id"], name=op.f("fk_apps_instances_deployment_id_apps_deployments")),
    sa.ForeignKeyConstraint(["target_id"], ["apps_targets.id"], name=op.f("fk_apps_instances_target_id_apps_targets")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_apps_instances")),
    sa.UniqueConstraint("service", "target_id", name=op.f("uq_apps_instances_service"))
    )
    with op.batch_alter_table("apps_instances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apps_instances_service"), ["service"], unique=False)
        batch_op.create_index(batch_op.f("ix_apps_instances_target_id"), ["target_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("apps_instances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apps_instances_target_id"))
        batch_op.drop_index(batch_op.f("ix_apps_instances_service"))

    op.drop_table("apps_instances")
    with op.batch_alter_table("apps_deployments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apps_deployments_state"))

    op.drop_table("apps_deployments")
    with op.batch_alter_table("apps_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apps_enrolments_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_apps_enrolments_service"))

    op.drop_table("apps_enrolments")
    op.drop_table("apps_targets")
