"""Migrations match the models, and go down and up again cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from controlplane.db import Base, Database
from controlplane.db.migrate import current_revision, head_revision, upgrade


def test_models_and_migrations_agree(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_up_again(database: Database) -> None:
    upgrade(database.url, "base")
    upgrade(database.url, "heads")
    assert current_revision(database.engine) == head_revision(database.url)
