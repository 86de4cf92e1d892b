"""merge the planes' branches (network polling, hosting backups and PRA, SSI, apps, schedules)

The planes grew their schema in parallel, each from 0005; this revision joins them so
the history has one head again. It changes no table.

Revision ID: 0014
Revises: 0007, 0008, 0009, 0010, 0011, 0012, 0013
Create Date: 2026-11-28 01:30:00.000000
"""

from __future__ import annotations

revision = "0014"
down_revision = ("0007", "0008", "0009", "0010", "0011", "0012", "0013")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the branches' tables are all in place."""


def downgrade() -> None:
    """Nothing to change: downgrading goes back into each branch."""
