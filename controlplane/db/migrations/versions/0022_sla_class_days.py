"""network: probe figures kept per class of service; a contract names its class

``network_sla_class_days``: one row per circuit, UTC day and class of service other than
the circuit's top class (that one stays in ``network_sla_circuit_days``): packed
per-minute RTT, jitter (float32) and loss (uint16), as in the day row. The probe rounds
fill it; nothing was kept before, so a contract naming a lower class has no figures for
the days before the upgrade (not measured, never met).

``network_sla_contracts.cos`` (nullable): the class of service the contract's latency,
jitter and loss targets are measured in. Existing contracts keep NULL: each circuit's
top class, as before.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 04:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from controlplane.db.base import UTCDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network_sla_class_days",
        sa.Column("circuit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cos", sa.String(length=8), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("rtt_ms", sa.LargeBinary(), nullable=False),
        sa.Column("jitter_ms", sa.LargeBinary(), nullable=False),
        sa.Column("loss", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circuit_id"], ["network_circuits.id"],
            name=op.f("fk_network_sla_class_days_circuit_id_network_circuits"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"],
            name=op.f("fk_network_sla_class_days_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("circuit_id", "day", "cos", name=op.f("pk_network_sla_class_days")),
    )
    with op.batch_alter_table("network_sla_class_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_network_sla_class_days_day"), ["day"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_network_sla_class_days_tenant_id"), ["tenant_id"], unique=False
        )
    with op.batch_alter_table("network_sla_contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cos", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("network_sla_contracts", schema=None) as batch_op:
        batch_op.drop_column("cos")
    with op.batch_alter_table("network_sla_class_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_sla_class_days_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_network_sla_class_days_day"))
    op.drop_table("network_sla_class_days")
