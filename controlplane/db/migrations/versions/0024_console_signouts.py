"""console: signing out ends the session server-side

``console_signouts``: one row per console session signed out (its id, kept until the
cookie would have expired; the sign-out deletes the rows past that). A signed-in request
whose session id is there is sent to the sign-in form, so a copy of the cookie is
refused after sign-out. The cookie now carries that id: a browser signed in before the
upgrade signs in once more (its cookie has none and is ignored).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 04:45:10.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from controlplane.db.base import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_signouts",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_console_signouts")),
    )
    with op.batch_alter_table("console_signouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_console_signouts_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("console_signouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_signouts_expires_at"))
    op.drop_table("console_signouts")
