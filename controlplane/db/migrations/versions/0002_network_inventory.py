"""network plane: inventory (providers, sites, devices, circuits, maintenance) and IP/VPN plan (pools, prefixes, VRFs)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:40:11.017870
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from controlplane.db.base import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OVERLAP_CHECKED = ("network_pools", "network_prefixes")


def upgrade() -> None:
    op.create_table(
        "network_pools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("family", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=43), nullable=False),
        sa.Column("start_key", sa.String(length=32), nullable=False),
        sa.Column("end_key", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_pools")),
        sa.UniqueConstraint("name", name=op.f("uq_network_pools_name")),
        sa.UniqueConstraint("prefix", name=op.f("uq_network_pools_prefix")),
    )
    with op.batch_alter_table("network_pools", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_network_pools_role"), ["role"], unique=False)
        batch_op.create_index(
            "ix_network_pools_span", ["family", "start_key", "end_key"], unique=False
        )

    op.create_table(
        "network_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("contract_ref", sa.String(length=100), nullable=False),
        sa.Column(
            "contacts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_providers")),
        sa.UniqueConstraint("name", name=op.f("uq_network_providers_name")),
    )
    op.create_table(
        "network_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("department", sa.String(length=3), nullable=False),
        sa.Column("access", sa.String(length=4), nullable=False),
        sa.Column("service_class", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_network_sites_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_sites")),
        sa.UniqueConstraint("code", name=op.f("uq_network_sites_code")),
    )
    with op.batch_alter_table("network_sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_network_sites_access"), ["access"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_network_sites_department"), ["department"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_network_sites_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "network_vrfs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("rd", sa.String(length=32), nullable=False),
        sa.Column("route_target", sa.String(length=32), nullable=False),
        sa.Column(
            "import_targets",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "export_targets",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_network_vrfs_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_vrfs")),
        sa.UniqueConstraint("name", name=op.f("uq_network_vrfs_name")),
        sa.UniqueConstraint("rd", name=op.f("uq_network_vrfs_rd")),
        sa.UniqueConstraint("route_target", name=op.f("uq_network_vrfs_route_target")),
        sa.UniqueConstraint("tenant_id", "service", name=op.f("uq_network_vrfs_tenant_id")),
    )
    with op.batch_alter_table("network_vrfs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_network_vrfs_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_network_vrfs_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "network_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hostname", sa.String(length=253), nullable=False),
        sa.Column("role", sa.String(length=2), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("mgmt_address", sa.String(length=45), nullable=False),
        sa.Column("mgmt_port", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("credential_ref", sa.String(length=200), nullable=False),
        sa.Column("asn", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["network_sites.id"], name=op.f("fk_network_devices_site_id_network_sites")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_network_devices_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_devices")),
        sa.UniqueConstraint("hostname", name=op.f("uq_network_devices_hostname")),
    )
    with op.batch_alter_table("network_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_network_devices_role"), ["role"], unique=False)
        batch_op.create_index(batch_op.f("ix_network_devices_site_id"), ["site_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_network_devices_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "network_prefixes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=43), nullable=False),
        sa.Column("family", sa.Integer(), nullable=False),
        sa.Column("start_key", sa.String(length=32), nullable=False),
        sa.Column("end_key", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["network_pools.id"],
            name=op.f("fk_network_prefixes_pool_id_network_pools"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["network_sites.id"],
            name=op.f("fk_network_prefixes_site_id_network_sites"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_network_prefixes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_prefixes")),
        sa.UniqueConstraint("prefix", name=op.f("uq_network_prefixes_prefix")),
    )
    with op.batch_alter_table("network_prefixes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_network_prefixes_pool_id"), ["pool_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_network_prefixes_site_id"), ["site_id"], unique=False)
        batch_op.create_index(
            "ix_network_prefixes_span", ["family", "start_key", "end_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_network_prefixes_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "network_circuits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("a_device_id", sa.Integer(), nullable=True),
        sa.Column("z_device_id", sa.Integer(), nullable=True),
        sa.Column("a_interface", sa.String(length=64), nullable=True),
        sa.Column("z_interface", sa.String(length=64), nullable=True),
        sa.Column("vlan", sa.Integer(), nullable=True),
        sa.Column("access", sa.String(length=4), nullable=False),
        sa.Column("bandwidth_mbps", sa.Integer(), nullable=False),
        sa.Column("committed_mbps", sa.Integer(), nullable=False),
        sa.Column("cos_profile", sa.String(length=32), nullable=False),
        sa.Column("sla_class", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "committed_mbps <= bandwidth_mbps",
            name=op.f("ck_network_circuits_committed_within_bandwidth"),
        ),
        sa.CheckConstraint(
            "committed_mbps > 0", name=op.f("ck_network_circuits_committed_positive")
        ),
        sa.ForeignKeyConstraint(
            ["a_device_id"],
            ["network_devices.id"],
            name=op.f("fk_network_circuits_a_device_id_network_devices"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["network_providers.id"],
            name=op.f("fk_network_circuits_provider_id_network_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["network_sites.id"],
            name=op.f("fk_network_circuits_site_id_network_sites"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_network_circuits_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["z_device_id"],
            ["network_devices.id"],
            name=op.f("fk_network_circuits_z_device_id_network_devices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_circuits")),
        sa.UniqueConstraint("ref", name=op.f("uq_network_circuits_ref")),
    )
    with op.batch_alter_table("network_circuits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_network_circuits_access"), ["access"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_network_circuits_provider_id"), ["provider_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_network_circuits_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_network_circuits_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_network_circuits_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "network_maintenances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circuit_id", sa.Integer(), nullable=True),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(circuit_id IS NULL) <> (provider_id IS NULL)",
            name=op.f("ck_network_maintenances_circuit_or_provider"),
        ),
        sa.CheckConstraint(
            "starts_at < ends_at", name=op.f("ck_network_maintenances_starts_before_end")
        ),
        sa.ForeignKeyConstraint(
            ["circuit_id"],
            ["network_circuits.id"],
            name=op.f("fk_network_maintenances_circuit_id_network_circuits"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["network_providers.id"],
            name=op.f("fk_network_maintenances_provider_id_network_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_network_maintenances_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_maintenances")),
    )
    with op.batch_alter_table("network_maintenances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_maintenances_circuit_id"), ["circuit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_network_maintenances_provider_id"), ["provider_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_network_maintenances_starts_at"), ["starts_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_network_maintenances_tenant_id"), ["tenant_id"], unique=False
        )

    _forbid_overlaps()


def _forbid_overlaps() -> None:
    """On PostgreSQL the database itself refuses overlapping pools, and overlapping
    prefixes (GiST exclusion on the address range). SQLite runs one writer at a time;
    there the service's checks are the guard."""
    if op.get_bind().dialect.name == "postgresql":
        for table in OVERLAP_CHECKED:
            op.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT ex_{table}_overlap "
                "EXCLUDE USING gist ((prefix::cidr) inet_ops WITH &&)"
            )


def downgrade() -> None:
    with op.batch_alter_table("network_maintenances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_maintenances_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_network_maintenances_starts_at"))
        batch_op.drop_index(batch_op.f("ix_network_maintenances_provider_id"))
        batch_op.drop_index(batch_op.f("ix_network_maintenances_circuit_id"))

    op.drop_table("network_maintenances")
    with op.batch_alter_table("network_circuits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_circuits_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_network_circuits_status"))
        batch_op.drop_index(batch_op.f("ix_network_circuits_site_id"))
        batch_op.drop_index(batch_op.f("ix_network_circuits_provider_id"))
        batch_op.drop_index(batch_op.f("ix_network_circuits_access"))

    op.drop_table("network_circuits")
    with op.batch_alter_table("network_prefixes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_prefixes_tenant_id"))
        batch_op.drop_index("ix_network_prefixes_span")
        batch_op.drop_index(batch_op.f("ix_network_prefixes_site_id"))
        batch_op.drop_index(batch_op.f("ix_network_prefixes_pool_id"))

    op.drop_table("network_prefixes")
    with op.batch_alter_table("network_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_devices_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_network_devices_site_id"))
        batch_op.drop_index(batch_op.f("ix_network_devices_role"))

    op.drop_table("network_devices")
    with op.batch_alter_table("network_vrfs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_vrfs_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_network_vrfs_kind"))

    op.drop_table("network_vrfs")
    with op.batch_alter_table("network_sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_sites_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_network_sites_department"))
        batch_op.drop_index(batch_op.f("ix_network_sites_access"))

    op.drop_table("network_sites")
    op.drop_table("network_providers")
    with op.batch_alter_table("network_pools", schema=None) as batch_op:
        batch_op.drop_index("ix_network_pools_span")
        batch_op.drop_index(batch_op.f("ix_network_pools_role"))

    op.drop_table("network_pools")
