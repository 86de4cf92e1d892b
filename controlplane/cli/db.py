"""``socle db``: schema management."""

from __future__ import annotations

import typer

from controlplane.cli.common import console
from controlplane.db import get_database
from controlplane.settings import get_settings

app = typer.Typer(help="Create or migrate the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(revision: str = typer.Argument("heads", help="Target revision.")) -> None:
    """Create or migrate the schema (safe to run again)."""
    from controlplane.db.migrate import current_revision, upgrade  # Alembic: on use only

    url = get_settings().database_url
    get_database(url)  # creates the SQLite file's folder
    upgrade(url, revision)
    console.print(f"database at revision {current_revision(get_database(url).engine)}")


@app.command("status")
def status_command() -> None:
    """Show the schema revision and whether it is the newest."""
    from controlplane.db.migrate import current_revision, head_revision  # Alembic: on use only

    url = get_settings().database_url
    current = current_revision(get_database(url).engine)
    head = head_revision(url)
    console.print(f"current: {current or 'empty'}  newest: {head}")
    if current != head:
        raise typer.Exit(1)
