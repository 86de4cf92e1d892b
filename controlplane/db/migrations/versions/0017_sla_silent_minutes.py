"""network: SLA day rows record silent minutes

``network_sla_circuit_days.silent`` (nullable bitmap, 180 bytes): minutes in which the
circuit's device did not answer its poll, or its probes were all lost, while the poller
or prober itself was healthy (others answered in the same cycle). With no sign of life
in the same minute such a minute counts as down, not unknown. Existing rows keep NULL
(no minute silent): their figures do not change.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("network_sla_circuit_days", schema=None) as batch_op:
        batch_op.add_column(sa.Column("silent", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("network_sla_circuit_days", schema=None) as batch_op:
        batch_op.drop_column("silent")
