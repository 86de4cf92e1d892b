"""hosting plane: archive items, DR plans and exercises

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-28 00:13:31.517049
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from controlplane.db.base import UTCDateTime

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hosting_archive_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("object_key", sa.String(length=300), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("retain_until", UTCDateTime(), nullable=False),
        sa.Column(
            "copies",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("deposited_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("verified_at", UTCDateTime(), nullable=True),
        sa.Column("verified_ok", sa.Boolean(), nullable=True),
        sa.Column(
            "verify_detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["hosting_subscriptions.id"],
            name=op.f("fk_hosting_archive_items_subscription_id_hosting_subscriptions"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hosting_archive_items_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_archive_items")),
        sa.UniqueConstraint(
            "subscription_id", "name", name=op.f("uq_hosting_archive_items_subscription_id")
        ),
    )
    with op.batch_alter_table("hosting_archive_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hosting_archive_items_subscription_id"),
            ["subscription_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_hosting_archive_items_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "hosting_dr_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("primary_provider_id", sa.Integer(), nullable=False),
        sa.Column("secondary_provider_id", sa.Integer(), nullable=False),
        sa.Column("rto_minutes", sa.Integer(), nullable=False),
        sa.Column("rpo_minutes", sa.Integer(), nullable=False),
        sa.Column("instance_type", sa.String(length=32), nullable=False),
        sa.Column("image_id", sa.String(length=64), nullable=False),
        sa.Column(
            "protected_resources",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "runbook",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "placement",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["primary_provider_id"],
            ["hosting_providers.id"],
            name=op.f("fk_hosting_dr_plans_primary_provider_id_hosting_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["secondary_provider_id"],
            ["hosting_providers.id"],
            name=op.f("fk_hosting_dr_plans_secondary_provider_id_hosting_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["hosting_subscriptions.id"],
            name=op.f("fk_hosting_dr_plans_subscription_id_hosting_subscriptions"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hosting_dr_plans_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_dr_plans")),
        sa.UniqueConstraint("subscription_id", name=op.f("uq_hosting_dr_plans_subscription_id")),
    )
    with op.batch_alter_table("hosting_dr_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hosting_dr_plans_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "hosting_dr_exercises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("exercise_key", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("achieved_rto_seconds", sa.Float(), nullable=True),
        sa.Column("achieved_rpo_seconds", sa.Float(), nullable=True),
        sa.Column("rto_met", sa.Boolean(), nullable=True),
        sa.Column("rpo_met", sa.Boolean(), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_hosting_dr_exercises_job_id_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["hosting_dr_plans.id"],
            name=op.f("fk_hosting_dr_exercises_plan_id_hosting_dr_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hosting_dr_exercises_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_dr_exercises")),
        sa.UniqueConstraint("exercise_key", name=op.f("uq_hosting_dr_exercises_exercise_key")),
    )
    with op.batch_alter_table("hosting_dr_exercises", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hosting_dr_exercises_plan_id"), ["plan_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hosting_dr_exercises_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("hosting_dr_exercises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosting_dr_exercises_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_dr_exercises_plan_id"))

    op.drop_table("hosting_dr_exercises")
    with op.batch_alter_table("hosting_dr_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosting_dr_plans_tenant_id"))

    op.drop_table("hosting_dr_plans")
    with op.batch_alter_table("hosting_archive_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosting_archive_items_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_archive_items_subscription_id"))

    op.drop_table("hosting_archive_items")
