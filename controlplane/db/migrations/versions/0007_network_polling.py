"""network plane: device and circuit monitors (SNMP polling, probes), SLA breach events

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-28 00:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from controlplane.db.base import UTCDateTime

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network_device_monitors",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("snmp_host", sa.String(length=253), nullable=True),
        sa.Column("snmp_port", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_poll_at", UTCDateTime(), nullable=True),
        sa.Column("last_ok_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["network_devices.id"],
            name=op.f("fk_network_device_monitors_device_id_network_devices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_network_device_monitors_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_network_device_monitors")),
    )
    with op.batch_alter_table("network_device_monitors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_device_monitors_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "network_circuit_monitors",
        sa.Column("circuit_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("if_index", sa.Integer(), nullable=True),
        sa.Column("probe_host", sa.String(length=253), nullable=True),
        sa.Column("probe_port", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circuit_id"], ["network_circuits.id"],
            name=op.f("fk_network_circuit_monitors_circuit_id_network_circuits"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"],
            name=op.f("fk_network_circuit_monitors_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("circuit_id", name=op.f("pk_network_circuit_monitors")),
    )
    with op.batch_alter_table("network_circuit_monitors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_circuit_monitors_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "network_sla_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circuit_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("measured", sa.Float(), nullable=False),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circuit_id"], ["network_circuits.id"],
            name=op.f("fk_network_sla_events_circuit_id_network_circuits"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_network_sla_events_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_sla_events")),
        sa.UniqueConstraint(
            "circuit_id", "period", "metric", name=op.f("uq_network_sla_events_circuit_id")
        ),
    )
    with op.batch_alter_table("network_sla_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_network_sla_events_period_circuit", ["period", "circuit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_network_sla_events_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("network_sla_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_sla_events_tenant_id"))
        batch_op.drop_index("ix_network_sla_events_period_circuit")
    op.drop_table("network_sla_events")
    with op.batch_alter_table("network_circuit_monitors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_circuit_monitors_tenant_id"))
    op.drop_table("network_circuit_monitors")
    with op.batch_alter_table("network_device_monitors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_device_monitors_tenant_id"))
    op.drop_table("network_device_monitors")
