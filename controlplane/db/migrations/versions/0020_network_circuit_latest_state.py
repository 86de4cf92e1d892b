"""network: each circuit monitor keeps what its latest poll and probe saw

``network_circuit_monitors``: ``polled_state`` (up, down, silent, unread) and
``polled_at`` from the latest poll cycle of the circuit's device; ``probed_state``
(answered, lost) and ``probed_at`` from the latest probe round. The console's "state
now" combines them by the SLA's rules, within one cycle of a fault (a minute's figures
keep the first sign of life of the minute). Existing rows start with nothing seen.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from controlplane.db.base import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("network_circuit_monitors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("polled_state", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("polled_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("probed_state", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("probed_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("network_circuit_monitors", schema=None) as batch_op:
        batch_op.drop_column("probed_at")
        batch_op.drop_column("probed_state")
        batch_op.drop_column("polled_at")
        batch_op.drop_column("polled_state")
