"""hosting plane: providers, catalogue, requests, subscriptions (with resources), quotas

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 22:17:27.619344
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from controlplane.db.base import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hosting_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("monthly_price_cents", sa.Integer(), nullable=False),
        sa.Column("backup_frequency", sa.String(length=16), nullable=True),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("rpo_hours", sa.Integer(), nullable=True),
        sa.Column("immutable", sa.Boolean(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_offers")),
        sa.UniqueConstraint("code", name=op.f("uq_hosting_offers_code")),
    )
    with op.batch_alter_table("hosting_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hosting_offers_kind"), ["kind"], unique=False)

    op.create_table(
        "hosting_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "certificate_activities",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("certification_body", sa.String(length=100), nullable=False),
        sa.Column("certificate_expires_on", sa.Date(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("location", sa.String(length=100), nullable=False),
        sa.Column("s3_endpoint", sa.String(length=300), nullable=True),
        sa.Column("s3_region", sa.String(length=50), nullable=True),
        sa.Column("ec2_endpoint", sa.String(length=300), nullable=True),
        sa.Column("credential_ref", sa.String(length=200), nullable=False),
        sa.Column("capacity_gb", sa.Integer(), nullable=False),
        sa.Column("capacity_vcpus", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_providers")),
        sa.UniqueConstraint("name", name=op.f("uq_hosting_providers_name")),
    )
    op.create_table(
        "hosting_quotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("max_monthly_cost_cents", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hosting_quotas_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_quotas")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_hosting_quotas_tenant_id")),
    )
    op.create_table(
        "hosting_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=32), nullable=False),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("monthly_cost_cents", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "plan",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_hosting_requests_job_id_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["hosting_offers.id"],
            name=op.f("fk_hosting_requests_offer_id_hosting_offers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hosting_requests_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_requests")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_hosting_requests_idempotency_key")),
    )
    with op.batch_alter_table("hosting_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hosting_requests_offer_id"), ["offer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hosting_requests_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hosting_requests_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "hosting_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("monthly_cost_cents", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["hosting_offers.id"],
            name=op.f("fk_hosting_subscriptions_offer_id_hosting_offers"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["hosting_requests.id"],
            name=op.f("fk_hosting_subscriptions_request_id_hosting_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hosting_subscriptions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_subscriptions")),
        sa.UniqueConstraint("request_id", name=op.f("uq_hosting_subscriptions_request_id")),
    )
    with op.batch_alter_table("hosting_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hosting_subscriptions_offer_id"), ["offer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hosting_subscriptions_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hosting_subscriptions_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "hosting_resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["hosting_providers.id"],
            name=op.f("fk_hosting_resources_provider_id_hosting_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["hosting_subscriptions.id"],
            name=op.f("fk_hosting_resources_subscription_id_hosting_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hosting_resources_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_resources")),
        sa.UniqueConstraint(
            "subscription_id", "key", name=op.f("uq_hosting_resources_subscription_id")
        ),
    )
    with op.batch_alter_table("hosting_resources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hosting_resources_provider_id"), ["provider_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hosting_resources_subscription_id"), ["subscription_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hosting_resources_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("hosting_resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosting_resources_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_resources_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_resources_provider_id"))

    op.drop_table("hosting_resources")
    with op.batch_alter_table("hosting_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosting_subscriptions_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_subscriptions_state"))
        batch_op.drop_index(batch_op.f("ix_hosting_subscriptions_offer_id"))

    op.drop_table("hosting_subscriptions")
    with op.batch_alter_table("hosting_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosting_requests_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_hosting_requests_state"))
        batch_op.drop_index(batch_op.f("ix_hosting_requests_offer_id"))

    op.drop_table("hosting_requests")
    op.drop_table("hosting_quotas")
    op.drop_table("hosting_providers")
    with op.batch_alter_table("hosting_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosting_offers_kind"))

    op.drop_table("hosting_offers")
