"""network plane: SLA contracts and per-circuit day rows of packed per-minute arrays

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 22:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from controlplane.db.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network_sla_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("sla_class", sa.String(length=16), nullable=False),
        sa.Column("availability_pct", sa.Float(), nullable=False),
        sa.Column("latency_p95_ms", sa.Float(), nullable=False),
        sa.Column("jitter_p95_ms", sa.Float(), nullable=False),
        sa.Column("loss_pct", sa.Float(), nullable=False),
        sa.Column("monthly_fee_cents", sa.Integer(), nullable=False),
        sa.Column("penalty_step_pct", sa.Float(), nullable=False),
        sa.Column("penalty_pct_per_step", sa.Float(), nullable=False),
        sa.Column("penalty_cap_pct", sa.Float(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "availability_pct > 0 AND availability_pct <= 100",
            name=op.f("ck_network_sla_contracts_availability_range"),
        ),
        sa.CheckConstraint(
            "penalty_step_pct > 0", name=op.f("ck_network_sla_contracts_penalty_step_positive")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["network_providers.id"],
            name=op.f("fk_network_sla_contracts_provider_id_network_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_sla_contracts")),
        sa.UniqueConstraint(
            "provider_id", "sla_class", name=op.f("uq_network_sla_contracts_provider_id")
        ),
    )
    with op.batch_alter_table("network_sla_contracts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_sla_contracts_provider_id"), ["provider_id"], unique=False
        )

    op.create_table(
        "network_sla_circuit_days",
        sa.Column("circuit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("up", sa.LargeBinary(), nullable=False),
        sa.Column("unknown", sa.LargeBinary(), nullable=False),
        sa.Column("rtt_ms", sa.LargeBinary(), nullable=False),
        sa.Column("jitter_ms", sa.LargeBinary(), nullable=False),
        sa.Column("loss", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circuit_id"],
            ["network_circuits.id"],
            name=op.f("fk_network_sla_circuit_days_circuit_id_network_circuits"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_network_sla_circuit_days_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("circuit_id", "day", name=op.f("pk_network_sla_circuit_days")),
    )
    with op.batch_alter_table("network_sla_circuit_days", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_sla_circuit_days_day"), ["day"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_network_sla_circuit_days_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("network_sla_circuit_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_sla_circuit_days_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_network_sla_circuit_days_day"))
    op.drop_table("network_sla_circuit_days")
    with op.batch_alter_table("network_sla_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_sla_contracts_provider_id"))
    op.drop_table("network_sla_contracts")
