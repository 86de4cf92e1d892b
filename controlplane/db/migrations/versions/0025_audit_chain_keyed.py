"""audit: the chain is keyed (HMAC-SHA256, keys outside the database)

``audit_records.key_id`` and ``audit_head.key_id`` (nullable): the key a record was
chained with. Records are now chained by HMAC-SHA256 under keys kept in
``SOCLE_DATA_DIR/secrets/audit/`` (0600), made on first use and rotated with ``socle
audit rotate-key``. The records of an existing installation keep their plain SHA-256
hashes and a NULL ``key_id`` and verify as before; the first record written after the
upgrade chains on from the last of them. Every host writing the database must share
that directory. A downgrade drops the key ids: the keyed records then no longer verify.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 05:05:26.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN in place on both backends: audit_records keeps its append-only triggers
    for table in ("audit_head", "audit_records"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # DROP COLUMN in place (SQLite >= 3.35), not a batch copy that would lose the triggers
    for table in ("audit_records", "audit_head"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN key_id")
