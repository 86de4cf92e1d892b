"""apps: health checks kept over time, one row per instance per UTC day

``apps_health_days``: two 1,440-minute bitmaps per instance and UTC day (180 bytes each,
``numpy.packbits``): ``checked`` (a health check ran in the minute) and ``up`` (every
check of the minute answered). The health job fills them every minute; the
``apps.availability`` evidence reads a month of them. Nothing was kept before: the first
month measured is the first complete one after the upgrade.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-09 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from controlplane.db.base import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apps_health_days",
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("checked", sa.LargeBinary(), nullable=False),
        sa.Column("up", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["apps_instances.id"],
            name=op.f("fk_apps_health_days_instance_id_apps_instances"),
        ),
        sa.PrimaryKeyConstraint("instance_id", "day", name=op.f("pk_apps_health_days")),
    )
    with op.batch_alter_table("apps_health_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apps_health_days_day"), ["day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("apps_health_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apps_health_days_day"))
    op.drop_table("apps_health_days")
