"""``socle apps services``: the service catalogue.
"""

from __future__ import annotations

import typer

from apps.catalogue import service as catalogue
from controlplane.cli.common import (
    emit_json,
    emit_table,
    handle_errors,
)

app = typer.Typer()
JSON = typer.Option(False, "--json", help="Print JSON.")


@app.command("services")
@handle_errors
def services(as_json: bool = JSON) -> None:
    """The service catalogue."""
    items = sorted(catalogue.current().services.values(), key=lambda s: s.name)
    if as_json:
        emit_json([s.model_dump(mode="json") for s in items])
        return
    emit_table("Services", ["name", "title", "runtime", "needs", "versions"],
               [(s.name, s.title, s.runtime, ", ".join(s.dependencies),
                 ", ".join(v.version for v in s.versions)) for s in items])
