"""hosting: a PRA names its recovery host

``hosting_dr_plans.recovery_host`` (nullable JSON): the host an exercise restores the
copy onto and restarts the service on (``access``: local, or SSH with a key reference
and a pinned host key; ``service_port``; ``workdir``). Existing plans keep NULL: their
exercises fail, naming the missing host, until one is set
(``PUT /hosting/dr-plans/{id}/recovery-host``).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from controlplane.db.base import JSONType

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hosting_dr_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recovery_host", JSONType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hosting_dr_plans", schema=None) as batch_op:
        batch_op.drop_column("recovery_host")
