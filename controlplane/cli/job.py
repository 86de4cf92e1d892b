"""``socle job``: follow and cancel jobs."""

from __future__ import annotations

import threading
import time

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from controlplane import job_views, jobs, plugins
from controlplane.cli.common import (
    JsonOption,
    console,
    emit_json,
    emit_rows,
    emit_table,
    errors,
    handle_errors,
    local_actor,
    transaction,
)
from controlplane.db import get_database
from controlplane.schemas import JobRead, JobSummary
from controlplane.settings import get_settings

app = typer.Typer(help="Jobs: list, show, watch, cancel.", no_args_is_help=True)


def _read(job_id: int) -> JobRead:
    with transaction(write=False) as db:
        return job_views.describe(db, job_views.get_job(db, job_id), log_tail=10_000)


@app.command("list")
@handle_errors
def list_(
    state: str | None = typer.Option(None, help="queued, running, succeeded, failed, cancelled."),
    limit: int = typer.Option(50, min=1, max=1000),
    as_json: bool = JsonOption,
) -> None:
    """List the newest jobs."""
    stmt = job_views.list_query(state=state).limit(limit)
    with transaction(write=False) as db:
        rows = [JobSummary.model_validate(j) for j in db.scalars(stmt)]
    emit_rows(rows, as_json, title="Jobs",
              columns=["id", "kind", "state", "progress", "created by", "created"],
              row=lambda j: (j.id, j.kind, j.state, f"{j.progress:.0%}", j.created_by,
                             j.created_at.strftime("%Y-%m-%d %H:%M:%S")))


@app.command("show")
@handle_errors
def show(job_id: int, as_json: bool = JsonOption) -> None:
    """Show a job's steps, log and result."""
    job = _read(job_id)
    if as_json:
        emit_json(job)
        return
    console.print(f"job {job.id} [bold]{job.kind}[/bold]: {job.state} ({job.progress:.0%})")
    emit_table(
        "Steps",
        ["#", "step", "state", "attempts", "error"],
        [(s.position, s.name, s.state, s.attempts, s.error) for s in job.steps],
    )
    for line in job.log:
        console.print(f"{line.at:%H:%M:%S} {line.level:7} {line.message}", markup=False)
    if job.error:
        console.print(f"[red]{job.error}[/red]")


@app.command("watch")
@handle_errors
def watch(
    job_id: int,
    interval: float = typer.Option(0.5, min=0.1, help="Seconds between refreshes."),
) -> None:
    """Follow a job with a live progress bar until it ends; exit 1 unless it succeeded."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=errors) as progress:  # stderr: stdout stays for --json
        task = progress.add_task(f"job {job_id}", total=1.0)
        while True:
            job = _read(job_id)
            running = next((s.name for s in job.steps if s.state == "running"), None)
            label = f"job {job.id} {job.kind}: {running or job.state}"
            progress.update(task, completed=job.progress, description=label)
            if job.state in jobs.TERMINAL_STATES:
                break
            time.sleep(interval)
    errors.print(f"job {job.id} {job.state}" + (f": {job.error}" if job.error else ""))
    if job.state != "succeeded":
        raise typer.Exit(1)


def _run_until_done(job_id: int, done: threading.Event) -> None:
    """Run queued jobs in this process until job ``job_id`` ends (``--here``)."""
    worker = jobs.Worker(get_database(), lease_seconds=get_settings().job_lease_seconds)
    while not done.is_set():
        if _read(job_id).state in jobs.TERMINAL_STATES:
            return
        if worker.run_once() is None:
            time.sleep(0.2)


def follow(job_id: int, *, here: bool = False, as_json: bool = False) -> None:
    """Follow a job a command queued until it ends; exit 1 unless it succeeded.

    ``here`` also runs the queue in this process (no worker needed); ``as_json`` prints
    the finished job as JSON instead of a progress bar.
    """
    done = threading.Event()
    runner = threading.Thread(target=_run_until_done, args=(job_id, done), daemon=True)
    if here:
        plugins.load(get_settings())  # this worker may claim any plane's queued job first
        runner.start()
    try:
        if not as_json:
            watch(job_id, interval=0.3)
            return
        while (job := _read(job_id)).state not in jobs.TERMINAL_STATES:
            time.sleep(0.3)
        emit_json(job)
        if job.state != "succeeded":
            raise typer.Exit(1)
    finally:
        done.set()
        if here:
            runner.join()


@app.command("cancel")
@handle_errors
def cancel(job_id: int) -> None:
    """Cancel a queued job, or a running one before its next step."""
    plugins.load(get_settings())  # the job kind's on_cancel hook, whichever plane owns it
    with transaction() as db:
        jobs.request_cancel(db, job_views.get_job(db, job_id), actor=local_actor())
    console.print(f"cancellation of job {job_id} requested")
