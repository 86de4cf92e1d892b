"""Alembic, driven from Python: ``socle db upgrade`` and the test fixtures use this.

Planes may grow their schema on separate branches of the revision graph (each from the
last shared revision) until a merge revision joins them, so "the newest revision" is a
set of heads: ``upgrade`` targets all of them and revisions are compared as sets.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from controlplane.db.engine import private_sqlite_file

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the database at ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Create or migrate the schema to ``revision`` (every head by default)."""
    private_sqlite_file(url)
    command.upgrade(alembic_config(url), "heads" if revision == "head" else revision)


def current_revision(engine: Engine) -> str | None:
    """The revision(s) the database is at, comma-separated (None when never migrated)."""
    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None


def head_revision(url: str) -> str | None:
    """The newest revision(s) shipped with this code, comma-separated."""
    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    return ",".join(sorted(heads)) or None
