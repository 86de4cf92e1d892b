"""apps: targets take their network access from their site and may be a hosting VM;
deployments keep the exact configuration they deployed

- ``apps_targets.network_access`` goes: a target's access is its network site's (a
  target with an access but no site loses it, and must be given its site to run a
  service that needs THD);
- ``apps_targets.hosting_instance`` (unique): the hosting plane's VM the target is;
- ``apps_targets.updated_at``, set to ``created_at`` for existing rows;
- ``apps_targets.ssh_key_ref`` (a secret reference) and ``ssh_host_key`` (the pinned
  public host key) for SSH targets;
- ``apps_deployments.rendered``: each service's exact deployed configuration ({} for
  earlier deployments, whose rollbacks re-render it as before).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from controlplane.db.base import JSONType, UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("apps_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hosting_instance", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("updated_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("ssh_key_ref", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("ssh_host_key", sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_apps_targets_hosting_instance"),
                                          ["hosting_instance"])
        batch_op.create_index(batch_op.f("ix_apps_targets_site"), ["site"], unique=False)
        batch_op.drop_column("network_access")
    op.execute("UPDATE apps_targets SET updated_at = created_at")
    with op.batch_alter_table("apps_targets", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=UTCDateTime(), nullable=False)
    with op.batch_alter_table("apps_deployments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rendered", JSONType, nullable=False,
                                      server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table("apps_deployments", schema=None) as batch_op:
        batch_op.drop_column("rendered")
    with op.batch_alter_table("apps_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("network_access", sa.String(length=4), nullable=True))
        batch_op.drop_index(batch_op.f("ix_apps_targets_site"))
        batch_op.drop_constraint(batch_op.f("uq_apps_targets_hosting_instance"), type_="unique")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("ssh_host_key")
        batch_op.drop_column("ssh_key_ref")
        batch_op.drop_column("hosting_instance")
