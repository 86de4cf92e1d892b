"""``socle apps services``: the service catalogue.
"""

from __future__ import annotations

import typer

from apps.catalogue import service as catalogue
from controlplane.cli.common import (
    emit_rows,
    handle_errors,
)

app = typer.Typer()
JSON = typer.Option(False, "--json", help="Print JSON.")


@app.command("services")
@handle_errors
def services(as_json: bool = JSON) -> None:
    """The service catalogue."""
    items = sorted(catalogue.current().services.values(), key=lambda s: s.name)
    emit_rows(items, as_json, title="Services",
              columns=["name", "title", "runtime", "needs", "versions"],
              row=lambda s: (s.name, s.title, s.runtime, ", ".join(s.dependencies),
                             ", ".join(v.version for v in s.versions)))
