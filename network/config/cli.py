"""``socle network plan|apply|drift|migrate|backup``: routers' configuration from the CLI.

``plan`` stores a plan and shows each router's diff; ``apply PLAN_ID`` queues the job
and follows it with a progress bar until it ends (``--here`` runs it in this process,
when no ``socle serve``/``socle worker`` is running); ``drift`` lists routers whose
backed-up configuration is not their intent. Listing commands take ``--json``.
"""

from __future__ import annotations

import typer
from rich.syntax import Syntax

from controlplane.cli import job as job_cli
from controlplane.cli.common import (
    HereOption,
    JsonOption,
    console,
    emit_json,
    emit_rows,
    handle_errors,
    local_actor,
    transaction,
)
from network.config import drift, flows, migrations, plans
from network.config.schemas import DriftStatus, MigrationCreate, PlanCreate, PlanKind, PlanRead


def _show_plan(shown: PlanRead, as_json: bool) -> None:
    if as_json:
        emit_json(shown)
        return
    if shown.state == "failed":
        console.print(f"[red]plan {shown.plan_id} failed[/red]: {shown.error}", markup=True)
        raise typer.Exit(1)
    if not shown.changes:
        console.print(f"plan {shown.plan_id}: no change, every router matches its intent")
        return
    for change in shown.changes:
        console.rule(f"{change.device}: {change.summary}")
        console.print(Syntax(change.diff, "diff", theme="ansi_dark", word_wrap=True))
    console.print(f"plan {shown.plan_id}: {len(shown.changes)} router(s) to change; "
                  f"apply with: socle network apply {shown.plan_id}")


def plan(
    site: str | None = typer.Option(None, help="Only this site's routers."),
    device: list[str] = typer.Option([], help="Only this router (repeat for several)."),
    migrations_: bool = typer.Option(False, "--migrations", help="Plan requested migrations."),
    as_json: bool = JsonOption,
) -> None:
    """Compare routers' running configuration with their intent; store and show the plan."""
    data = PlanCreate(
        kind=PlanKind.MIGRATION if migrations_ else PlanKind.CONFIG,
        site=site,
        devices=device or None,
    )
    with transaction() as db:
        shown = plans.read(plans.make(db, data, actor=local_actor()))
    _show_plan(shown, as_json)


def apply(plan_id: int, here: bool = HereOption, as_json: bool = JsonOption) -> None:
    """Apply a stored plan and follow the job (exit 1 unless it succeeded)."""
    with transaction() as db:
        job_id = plans.apply(db, plan_id, actor=local_actor()).id
    job_cli.follow(job_id, here=here, as_json=as_json)


def drift_(
    site: str | None = typer.Option(None, help="Only this site's routers."),
    all_: bool = typer.Option(False, "--all", help="List compliant routers too."),
    as_json: bool = JsonOption,
) -> None:
    """Routers whose backed-up running configuration differs from intent (or is unknown)."""
    with transaction(write=False) as db:
        items = drift.report(db, site=site)
    items = [i for i in items if all_ or i.status is not DriftStatus.COMPLIANT]
    emit_rows(items, as_json, title="Drift",
              columns=["device", "status", "backup", "error"],
              row=lambda i: (i.device, i.status.value, i.fetched_at, i.error))
    for item in items:
        if item.diff:
            console.rule(item.device)
            console.print(Syntax(item.diff, "diff", theme="ansi_dark", word_wrap=True))


def migrate(
    site: str,
    circuit: str = typer.Option(..., help="Ref of the planned THD circuit."),
    as_json: bool = JsonOption,
) -> None:
    """Request SITE's MPLS→THD migration and show its two-phase plan."""
    with transaction() as db:
        found = migrations.request(db, MigrationCreate(site=site, circuit=circuit),
                                   actor=local_actor())
        scope = PlanCreate(kind=PlanKind.MIGRATION, site=found.site.code)
        shown = plans.read(plans.make(db, scope, actor=local_actor()))
    _show_plan(shown, as_json)


def backup(here: bool = HereOption, as_json: bool = JsonOption) -> None:
    """Back up every CE router's running configuration now, and follow the job."""
    with transaction() as db:
        job_id = flows.enqueue_backups(db, actor=local_actor()).id
    job_cli.follow(job_id, here=here, as_json=as_json)


def register(app: typer.Typer) -> None:
    """Add the commands to ``socle network``."""
    for name, command in (("plan", plan), ("apply", apply), ("drift", drift_),
                          ("migrate", migrate), ("backup", backup)):
        app.command(name)(handle_errors(command))
