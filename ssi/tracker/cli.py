"""``socle ssi indicators ...`` (one establishment's HN / CaRE tracker) and
``socle ssi regional ...`` (the RSSI's heatmap), with exports to a file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from controlplane import tenants
from controlplane.cli.common import (
    JsonOption,
    console,
    emit_json,
    emit_json_or_table,
    emit_table,
    handle_errors,
    local_actor,
    transaction,
)
from controlplane.db import utcnow
from controlplane.errors import InvalidInput
from controlplane.exports import ExportFormat, Table, export_file
from ssi.tracker import regional
from ssi.tracker import service as tracker
from ssi.tracker.indicators import label
from ssi.tracker.regional import HeatmapRead
from ssi.tracker.schemas import DeclarationWrite

indicators_app = typer.Typer(help="HN / CaRE tracker of one establishment.", no_args_is_help=True)
regional_app = typer.Typer(help="Regional view for the RSSI.", no_args_is_help=True)

AtOption = typer.Option(None, "--at", help="Judge as of this time (ISO 8601, UTC; default now).")


def _as_of(at: datetime | None) -> datetime:
    """``--at`` (typer gives it without a time zone: read as UTC), or now."""
    return at.replace(tzinfo=UTC) if at is not None else utcnow()
ExportOption = typer.Option(None, "--export", help="Write a .csv, .xlsx or .pdf file.")


def _write(table: Table, path: Path) -> None:
    try:
        export = ExportFormat(path.suffix.lstrip(".").lower())
    except ValueError:
        raise InvalidInput.on("export", "the file must end in .csv, .xlsx or .pdf") from None
    if export is ExportFormat.JSON:
        raise InvalidInput.on("export", "use --json for JSON")
    path.write_bytes(export_file(table, export).content)
    console.print(f"wrote {path}")


@indicators_app.command("show")
@handle_errors
def show(
    finess: str,
    framework: str | None = typer.Option(None, help="Only this framework."),
    kind: str | None = typer.Option(None, help="Only usage or organisation."),
    at: datetime | None = AtOption,
    export: Path | None = ExportOption,
    as_json: bool = JsonOption,
) -> None:
    """Each item's status, what it rests on, and each programme's eligibility."""
    with transaction(write=False) as db:
        tenant = tenants.get_by_finess(db, finess)
        tracked = tracker.track(db, tenant, now=_as_of(at), framework_id=framework,
                                kind=kind)
        table = tracker.table(tracked, tenant)
    if export is not None:
        _write(table, export)
    elif as_json:
        emit_json(tracked)
    else:
        emit_table(table.title, ["framework", "item", "status", "basis", "title"],
                   [[i.framework, i.id, label(i.status), i.basis or "", i.title]
                    for i in tracked.items])
        for standing in tracked.eligibility:
            console.print(f"{standing.id}: {'éligible' if standing.eligible else 'non éligible'}")


@indicators_app.command("declare")
@handle_errors
def declare(
    finess: str, framework: str, item: str,
    value: str = typer.Argument(..., help="oui, non, or a number (usage indicators)."),
    note: str | None = typer.Option(None, help="What backs the value."),
) -> None:
    """Declare an establishment's value for one item."""
    parsed: str | float | int = value
    try:
        number = float(value)
        parsed = int(number) if number.is_integer() else number
    except ValueError:
        pass
    body = DeclarationWrite(value=parsed, note=note)
    with transaction() as db:
        tenant = tenants.get_by_finess(db, finess)
        declared = tracker.declare(db, tenant, framework, item, body, actor=local_actor())
    console.print(f"{finess} {framework} {item} = {declared.value}")


@regional_app.command("heatmap")
@handle_errors
def heatmap(
    department: str | None = typer.Option(None, help="Only this department."),
    kind: str | None = typer.Option(None, help="Only usage or organisation."),
    framework: str | None = typer.Option(None, help="Only this framework."),
    at: datetime | None = AtOption,
    export: Path | None = ExportOption,
    as_json: bool = JsonOption,
) -> None:
    """Establishments × HN / CaRE items, a status per cell."""
    now = _as_of(at)
    with transaction(write=False) as db:
        found = list(db.scalars(regional.tenant_query(department)))
        rows = regional.rows(db, found, now=now, framework_id=framework, kind=kind)
    shown = HeatmapRead(at=now, columns=regional.columns(framework, kind), items=rows,
                        total=len(rows), limit=len(rows), offset=0)
    table = regional.table(shown, department=department, kind=kind)
    if export is not None:
        _write(table, export)
    else:
        emit_json_or_table(shown, as_json, title=table.title, columns=table.header,
                           rows=table.rows)
