"""network plane: config backups, site migrations, circuit VRF, interconnect prefixes, CE LAN
interface

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 22:19:16.052862
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from controlplane.db.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network_config_backups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["network_devices.id"],
            name=op.f("fk_network_config_backups_device_id_network_devices"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_network_config_backups_job_id_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_network_config_backups_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_config_backups")),
    )
    with op.batch_alter_table("network_config_backups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_network_config_backups_device_latest", ["device_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_network_config_backups_job_id"), ["job_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_network_config_backups_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "network_migrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("circuit_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["circuit_id"],
            ["network_circuits.id"],
            name=op.f("fk_network_migrations_circuit_id_network_circuits"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["network_sites.id"],
            name=op.f("fk_network_migrations_site_id_network_sites"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_network_migrations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_migrations")),
    )
    with op.batch_alter_table("network_migrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_migrations_site_id"), ["site_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_network_migrations_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_network_migrations_tenant_id"), ["tenant_id"], unique=False
        )

    with op.batch_alter_table("network_circuits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vrf_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_network_circuits_vrf_id"), ["vrf_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_network_circuits_vrf_id_network_vrfs"), "network_vrfs", ["vrf_id"], ["id"]
        )

    with op.batch_alter_table("network_devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lan_interface", sa.String(length=64), nullable=True))

    with op.batch_alter_table("network_prefixes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("circuit_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_network_prefixes_circuit_id"), ["circuit_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_network_prefixes_circuit_id_network_circuits"),
            "network_circuits",
            ["circuit_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("network_prefixes", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_network_prefixes_circuit_id_network_circuits"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_network_prefixes_circuit_id"))
        batch_op.drop_column("circuit_id")

    with op.batch_alter_table("network_devices", schema=None) as batch_op:
        batch_op.drop_column("lan_interface")

    with op.batch_alter_table("network_circuits", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_network_circuits_vrf_id_network_vrfs"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_network_circuits_vrf_id"))
        batch_op.drop_column("vrf_id")

    with op.batch_alter_table("network_migrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_migrations_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_network_migrations_state"))
        batch_op.drop_index(batch_op.f("ix_network_migrations_site_id"))

    op.drop_table("network_migrations")
    with op.batch_alter_table("network_config_backups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_config_backups_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_network_config_backups_job_id"))
        batch_op.drop_index("ix_network_config_backups_device_latest")

    op.drop_table("network_config_backups")
