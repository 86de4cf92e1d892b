"""``socle network sla report``: write the monthly SLA report to a file (HTML, PDF, CSV)."""

from __future__ import annotations

from pathlib import Path

import typer

from controlplane.cli.common import console, handle_errors, transaction
from network.sla import report, report_render
from network.sla.report import ReportFormat, ReportGroup


@handle_errors
def report_document(
    period: str = typer.Option(..., help="Month as YYYY-MM (Europe/Paris)."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    fmt: ReportFormat = typer.Option(ReportFormat.HTML, "--format", case_sensitive=False),
    group_by: ReportGroup = typer.Option(ReportGroup.PROVIDER, case_sensitive=False),
    to: str | None = typer.Option(None, help="Last month, for a report of several months."),
    provider: str | None = typer.Option(None, help="Only this provider's circuits."),
) -> None:
    """Write the monthly SLA report per provider or department (HTML, PDF or CSV)."""
    with console.status(f"SLA report from {period}: computing each month and its days..."):
        with transaction(write=False) as db:
            found = report.build(db, period, to=to, group_by=group_by, provider=provider)
        content = report_render.render(found, fmt)
    output.write_bytes(content)
    unknown = sum(s.unknown_minutes for s in found.sections)
    console.print(f"{output}: {found.title} ({fmt.value}, {len(content)} bytes; "
                  f"{unknown} minute(s) without samples)")


def register(sla_app: typer.Typer) -> None:
    """Add ``report`` to ``socle network sla``."""
    sla_app.command("report")(report_document)
