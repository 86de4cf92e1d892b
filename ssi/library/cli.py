"""``socle ssi frameworks ...``: list, show and check framework versions."""

from __future__ import annotations

from pathlib import Path

import typer

from controlplane.cli.common import (
    JsonOption,
    emit_json_or_table,
    emit_rows,
    errors,
    handle_errors,
)
from ssi.library import FrameworkLibraryError, load_library
from ssi.library.schemas import FrameworkRead, FrameworkSummary
from ssi.library.service import library, operator_dir

app = typer.Typer(help="The frameworks library (HN, CaRE, diagnostic flash, PSSI, HDS).",
                  no_args_is_help=True)


@app.command("list")
@handle_errors
def list_frameworks(
    as_json: bool = JsonOption,
    kind: str | None = typer.Option(None, help="indicators, checklist, skeleton or requirements."),
) -> None:
    """Every framework version the library holds."""
    found = [FrameworkSummary.of(f) for f in library() if kind is None or f.kind == kind]
    emit_rows(found, as_json, title="Frameworks",
              columns=["id", "version", "kind", "latest", "items", "unverified", "title"],
              row=lambda s: [s.id, s.version, s.kind, "yes" if s.latest else "", s.items,
                             s.unverified, s.title])


@app.command("show")
@handle_errors
def show_framework(
    framework_id: str = typer.Argument(..., help="Framework id, e.g. hygiene-checklist."),
    version: str | None = typer.Argument(None, help="Version (default: the latest)."),
    as_json: bool = JsonOption,
) -> None:
    """One framework version, chapter by chapter."""
    framework = library().get(framework_id, version)
    rows = [
        [item.id, chapter.id, getattr(item, "title", None) or getattr(item, "text", ""),
         "" if item.verified else "to verify"]
        for chapter in framework.chapters
        for item in chapter.items
    ]
    emit_json_or_table(FrameworkRead.full(framework), as_json,
                       title=f"{framework.title} ({framework.id} {framework.version})",
                       columns=["item", "chapter", "title", "verified"], rows=rows)


@app.command("check")
def check_frameworks(
    directory: Path | None = typer.Argument(
        None, help="Operator directory to check (default: SOCLE_DATA_DIR/frameworks)."
    ),
) -> None:
    """Validate the shipped files and an operator directory; exit 2 naming each bad
    file and line. Run it before restarting Socle with a new framework version."""
    target = directory or operator_dir()
    try:
        found = load_library(target if target.is_dir() or directory else None)
    except FrameworkLibraryError as exc:
        for problem in exc.problems:
            errors.print(f"[red]error[/red] {problem}")
        raise typer.Exit(2) from None
    typer.echo(f"{len(found)} framework versions valid")
