"""hosting plane: backup policies, repositories, runs, restore tests, alerts

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-28 00:19:21.139120
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from controlplane.db.base import UTCDateTime

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "hosting_backup_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("source_path", sa.String(length=500), nullable=False),
        sa.Column(
            "executor",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("password_ref", sa.String(length=200), nullable=False),
        sa.Column("frequency_hours", sa.Integer(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("rpo_hours", sa.Integer(), nullable=False),
        sa.Column("restore_test_days", sa.Integer(), nullable=False),
        sa.Column("immutable", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["hosting_subscriptions.id"],
            name=op.f("fk_hosting_backup_policies_subscription_id_hosting_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hosting_backup_policies_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_backup_policies")),
        sa.UniqueConstraint(
            "subscription_id", name=op.f("uq_hosting_backup_policies_subscription_id")
        ),
    )
    with op.batch_alter_table("hosting_backup_policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hosting_backup_policies_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "hosting_backup_repositories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("copy_index", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("immutable", sa.Boolean(), nullable=False),
        sa.Column("initialised_at", UTCDateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["hosting_backup_policies.id"],
            name=op.f("fk_hosting_backup_repositories_policy_id_hosting_backup_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["hosting_providers.id"],
            name=op.f("fk_hosting_backup_repositories_provider_id_hosting_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["hosting_resources.id"],
            name=op.f("fk_hosting_backup_repositories_resource_id_hosting_resources"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_hosting_backup_repositories_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_backup_repositories")),
        sa.UniqueConstraint(
            "policy_id", "copy_index", name=op.f("uq_hosting_backup_repositories_policy_id")
        ),
    )
    with op.batch_alter_table("hosting_backup_repositories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hosting_backup_repositories_policy_id"), ["policy_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hosting_backup_repositories_provider_id"), ["provider_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hosting_backup_repositories_resource_id"), ["resource_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hosting_backup_repositories_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "hosting_backup_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("cleared_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["hosting_backup_repositories.id"],
            name=op.f("fk_hosting_backup_alerts_repository_id_hosting_backup_repositories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hosting_backup_alerts_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_backup_alerts")),
    )
    with op.batch_alter_table("hosting_backup_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hosting_backup_alerts_cleared_at"), ["cleared_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hosting_backup_alerts_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hosting_backup_alerts_repository_id"), ["repository_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hosting_backup_alerts_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "hosting_backup_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("snapshot_id", sa.String(length=64), nullable=True),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column(
            "checksums",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_hosting_backup_runs_job_id_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["hosting_backup_repositories.id"],
            name=op.f("fk_hosting_backup_runs_repository_id_hosting_backup_repositories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hosting_backup_runs_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_backup_runs")),
    )
    with op.batch_alter_table("hosting_backup_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hosting_backup_runs_job_id"), ["job_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hosting_backup_runs_repository_id"), ["repository_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hosting_backup_runs_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hosting_backup_runs_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "hosting_restore_tests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("snapshot_id", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("files_checked", sa.Integer(), nullable=False),
        sa.Column(
            "mismatches",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("rto_seconds", sa.Float(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_hosting_restore_tests_job_id_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["hosting_backup_repositories.id"],
            name=op.f("fk_hosting_restore_tests_repository_id_hosting_backup_repositories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["hosting_backup_runs.id"],
            name=op.f("fk_hosting_restore_tests_run_id_hosting_backup_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hosting_restore_tests_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_restore_tests")),
    )
    with op.batch_alter_table("hosting_restore_tests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hosting_restore_tests_job_id"), ["job_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hosting_restore_tests_repository_id"), ["repository_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hosting_restore_tests_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hosting_restore_tests_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("hosting_restore_tests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosting_restore_tests_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_restore_tests_state"))
        batch_op.drop_index(batch_op.f("ix_hosting_restore_tests_repository_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_restore_tests_job_id"))

    op.drop_table("hosting_restore_tests")
    with op.batch_alter_table("hosting_backup_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosting_backup_runs_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_backup_runs_state"))
        batch_op.drop_index(batch_op.f("ix_hosting_backup_runs_repository_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_backup_runs_job_id"))

    op.drop_table("hosting_backup_runs")
    with op.batch_alter_table("hosting_backup_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosting_backup_alerts_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_backup_alerts_repository_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_backup_alerts_kind"))
        batch_op.drop_index(batch_op.f("ix_hosting_backup_alerts_cleared_at"))

    op.drop_table("hosting_backup_alerts")
    with op.batch_alter_table("hosting_backup_repositories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosting_backup_repositories_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_backup_repositories_resource_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_backup_repositories_provider_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_backup_repositories_policy_id"))

    op.drop_table("hosting_backup_repositories")
    with op.batch_alter_table("hosting_backup_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosting_backup_policies_tenant_id"))

    op.drop_table("hosting_backup_policies")
