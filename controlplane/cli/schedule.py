"""``socle schedule``: the periodic schedules, their state, and running one now."""

from __future__ import annotations

import typer

from controlplane import plugins, schedule
from controlplane.cli.common import (
    JsonOption,
    console,
    emit_json,
    emit_rows,
    handle_errors,
    local_actor,
)
from controlplane.db import get_database
from controlplane.settings import get_settings

app = typer.Typer(help="Periodic schedules: list, run one now.", no_args_is_help=True)


def _schedules() -> list[schedule.Schedule]:
    settings = get_settings()
    plugins.load(settings)
    return schedule.plane_schedules(settings)


@app.command("list")
@handle_errors
def list_(as_json: bool = JsonOption) -> None:
    """List the schedules: timing, last run, next slot, last error."""
    views = schedule.describe(get_database(), _schedules(), get_settings())
    emit_rows(views, as_json, title="Schedules (daily times in Europe/Paris)",
              columns=["name", "timing", "last run", "next due", "runs", "failures", "last error"],
              row=lambda v: (v.name, v.timing,
                             v.last_run_at and f"{v.last_run_at:%Y-%m-%d %H:%M:%S}",
                             v.next_due_at and f"{v.next_due_at:%Y-%m-%d %H:%M:%S}", v.runs,
                             v.failures, v.last_error))


@app.command("run")
@handle_errors
def run(name: str, as_json: bool = JsonOption) -> None:
    """Run a schedule now (audited); it then counts for the current slot."""
    chosen = schedule.find(_schedules(), name)
    outcome = schedule.run_now(get_database(), chosen, get_settings(), actor=local_actor())
    if as_json:
        emit_json({"name": outcome.name, "slot": outcome.slot.isoformat(),
                   "result": outcome.result, "error": outcome.error})
    elif outcome.error is None:
        console.print(f"{outcome.name}: done {outcome.result}", markup=False)
    if outcome.error is not None:
        if not as_json:
            console.print(f"{outcome.name} failed: {outcome.error}", markup=False)
        raise typer.Exit(1)
