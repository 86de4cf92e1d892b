"""``socle hosting archive``: deposit a file, list, show, check integrity, retrieve.

The commands call :mod:`hosting.archive.service` directly with the CLI's full scope, audited as
the local user; ``get`` writes the document only once its SHA-256 has checked out.
``verify-all`` queues the periodic check of every document due for one (``--wait``
follows it with a progress bar, ``--here`` also runs it in this process).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from controlplane.cli.common import (
    HereOption,
    JsonOption,
    WaitOption,
    console,
    emit_item,
    emit_result,
    emit_rows,
    handle_errors,
    local_actor,
    transaction,
)
from controlplane.cli.job import follow
from controlplane.schemas import JobSummary
from hosting.archive import flows
from hosting.archive import service as archive
from hosting.archive.models import ArchiveItem
from hosting.archive.schemas import ArchiveRead
from hosting.errors import store
from hosting.subscriptions.models import Subscription

app = typer.Typer(
    help="Long-term archive: write-once deposits, integrity checks, retrieval.",
    no_args_is_help=True,
)

COLUMNS = ["id", "tenant", "subscription", "name", "size", "sha256", "retain_until", "verified"]


def _chunks(path: Path, progress: Progress) -> Iterator[bytes]:
    task = progress.add_task(path.name, total=path.stat().st_size)
    with path.open("rb") as handle:
        yield from archive.read_file(handle, on_chunk=lambda size: progress.advance(task, size))


@app.command("deposit")
@handle_errors
def deposit(
    subscription_id: int,
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    name: str | None = typer.Option(None, help="Name in the archive (default: file name)."),
    as_json: bool = JsonOption,
) -> None:
    """Deposit a file, write-once, in every locked bucket of an archive subscription."""
    columns = (
        *Progress.get_default_columns()[:1],
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    with transaction() as db, Progress(*columns, console=console, transient=True) as progress:
        subscription = store.get(db, Subscription, subscription_id)
        item = archive.deposit(
            db, subscription, name or path.name, _chunks(path, progress), actor=local_actor()
        )
        shown = ArchiveRead.model_validate(item)
    emit_item(shown, as_json)


@app.command("list")
@handle_errors
def list_archives(
    tenant: str | None = typer.Option(None, help="FINESS."),
    subscription_id: int | None = typer.Option(None, "--subscription"),
    as_json: bool = JsonOption,
) -> None:
    """List archived documents, newest first."""
    with transaction(write=False) as db:
        query = archive.archive_query(tenant=tenant, subscription=subscription_id)
        rows = [ArchiveRead.model_validate(row) for row in db.scalars(query)]
    emit_rows(rows, as_json, title="Archives",
              columns=COLUMNS,
              row=lambda row: list(row.as_row().values()))


@app.command("show")
@handle_errors
def show(archive_id: int, as_json: bool = JsonOption) -> None:
    """Show an archived document, its copies and its last integrity check."""
    with transaction(write=False) as db:
        emit_item(ArchiveRead.model_validate(store.get(db, ArchiveItem, archive_id)), as_json)


@app.command("verify")
@handle_errors
def verify(archive_id: int, as_json: bool = JsonOption) -> None:
    """Re-read every copy against its recorded SHA-256 (exit 1 when a copy fails)."""
    with transaction() as db:
        item = archive.verify(db, store.get(db, ArchiveItem, archive_id), actor=local_actor())
        shown = ArchiveRead.model_validate(item)
    emit_item(shown, as_json)
    if not shown.verified_ok:
        raise typer.Exit(1)


@app.command("get")
@handle_errors
def get(
    archive_id: int,
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the document."),
) -> None:
    """Retrieve a document from a copy whose SHA-256 checks out."""
    with transaction(write=False) as db:
        item = store.get(db, ArchiveItem, archive_id)
        with archive.retrieve(db, item) as content, output.open("wb") as sink:
            for chunk in archive.read_file(content):
                sink.write(chunk)
        console.print(f"{item.name}: {item.size_bytes} bytes, SHA-256 {item.sha256} → {output}")


@app.command("verify-all")
@handle_errors
def verify_all(
    older_than_days: int | None = typer.Option(
        None, min=0, max=36500,
        help="Check documents not checked for this many days (default: the configured N)."),
    wait: bool = WaitOption,
    here: bool = HereOption,
    as_json: bool = JsonOption,
) -> None:
    """Queue the integrity check of every document due for one (following it: exit 1 when
    a document is damaged)."""
    with transaction() as db:
        job = flows.start_verification(db, actor=local_actor(),
                                         older_than_days=older_than_days)
        summary = JobSummary.model_validate(job)
    if wait or here:
        follow(summary.id, here=here, as_json=as_json)
    else:
        emit_result(summary, as_json, f"job {summary.id} queued ({summary.kind})")
