"""hosting: integrity checks read the copies' packs group by group, in turn

``hosting_backup_checks.subset_group`` (nullable, ``n/t``): the group of data packs a
check read. Each check of a copy reads the group after its last passed check's (t =
100 / ``SOCLE_HOSTING_BACKUP_CHECK_PERCENT``), a failed group again until it passes, so
every pack is read within t passing checks instead of a share drawn at random each time.
Checks recorded before keep NULL (read at random).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hosting_backup_checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subset_group", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hosting_backup_checks", schema=None) as batch_op:
        batch_op.drop_column("subset_group")
