"""``socle ssi pssi FINESS``: an establishment's PSSI draft as HTML, PDF or DOCX.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from controlplane.cli.common import (
    console,
    handle_errors,
    transaction,
)
from controlplane.db import utcnow
from controlplane.errors import InvalidInput
from ssi.pssi import service as pssi


@handle_errors
def pssi_draft(
    finess: str = typer.Argument(..., help="FINESS of the establishment."),
    format: str = typer.Option("html", help="html, pdf or docx."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
) -> None:
    """Write an establishment's PSSI draft (HTML, PDF or DOCX)."""
    if format not in ("html", "pdf", "docx"):
        raise InvalidInput.on("format", "html, pdf or docx")
    with transaction(write=False) as db:
        ctx = pssi.context(db, finess, today=utcnow().date())
        if format == "pdf":
            with console.status("Rendering the PDF (headless Chromium)..."):
                output.write_bytes(pssi.render_pdf(ctx))
        elif format == "docx":
            output.write_bytes(pssi.render_docx(ctx))
        else:
            output.write_text(pssi.render_html(ctx), encoding="utf-8")
    typer.echo(json.dumps({"finess": ctx.tenant.finess, "output": str(output)}))
