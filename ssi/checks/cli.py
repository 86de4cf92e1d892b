"""``socle ssi check ...``: declare endpoints, run technical checks (a job followed with a
progress bar; ``--here`` runs it in this process), read results."""

from __future__ import annotations

import typer

from controlplane import tenants
from controlplane.cli import job as job_cli
from controlplane.cli.common import (
    JsonOption,
    console,
    emit_item,
    emit_result,
    emit_rows,
    handle_errors,
    local_actor,
    transaction,
)
from ssi.checks import service
from ssi.checks.schemas import CheckRun, ResultRead, TargetCreate, TargetRead

app = typer.Typer(help="Technical checks of endpoints (ports, TLS, SSH).", no_args_is_help=True)


@app.command("add")
@handle_errors
def add(
    finess: str, name: str,
    host: str = typer.Option(..., help="IP address or DNS name."),
    port: list[int] = typer.Option([], help="Port to scan (repeat)."),
    expect: list[int] = typer.Option([], help="Port expected open (repeat)."),
    tls: list[int] = typer.Option([], help="TLS port to audit (repeat)."),
    ssh: list[int] = typer.Option([], help="SSH port to audit (repeat)."),
    as_json: bool = JsonOption,
) -> None:
    """Declare an endpoint of an establishment to check."""
    body = TargetCreate(name=name, host=host, ports=port, expected_open=expect, tls_ports=tls,
                        ssh_ports=ssh)
    with transaction() as db:
        target = service.create_target(db, tenants.get_by_finess(db, finess), body,
                                       actor=local_actor())
        shown = TargetRead.model_validate(target)
    emit_item(shown, as_json)


@app.command("discover")
@handle_errors
def discover(finess: str, as_json: bool = JsonOption) -> None:
    """Declare the establishment's routers known to the network plane as endpoints."""
    with transaction() as db:
        created = [TargetRead.model_validate(t) for t in service.discover_targets(
            db, tenants.get_by_finess(db, finess), actor=local_actor())]
    emit_result(created, as_json, f"{len(created)} endpoint(s) declared: "
                                  f"{', '.join(t.name for t in created) or 'none new'}")


@app.command("targets")
@handle_errors
def targets(finess: str, as_json: bool = JsonOption) -> None:
    """The endpoints an establishment declared."""
    with transaction(write=False) as db:
        found = [TargetRead.model_validate(t) for t in
                 db.scalars(service.target_query(tenants.get_by_finess(db, finess)))]
    emit_rows(found, as_json, title="Endpoints",
              columns=["name", "host", "ports", "expected", "tls", "ssh"],
              row=lambda t: [t.name, t.host, t.ports, t.expected_open, t.tls_ports, t.ssh_ports])


@app.command("run")
@handle_errors
def run(
    finess: str,
    target: list[str] = typer.Option([], help="Only this endpoint (repeat)."),
    here: bool = typer.Option(False, "--here", help="Run the job in this process."),
) -> None:
    """Check an establishment's endpoints in a job, followed with a progress bar."""
    with transaction() as db:
        job = service.enqueue_checks(db, tenants.get_by_finess(db, finess),
                                     CheckRun(targets=target), actor=local_actor())
        job_id = job.id
    console.print(f"job {job_id} queued")
    job_cli.follow(job_id, here=here)


@app.command("results")
@handle_errors
def results(
    finess: str,
    target: str | None = typer.Option(None, help="Only this endpoint."),
    limit: int = typer.Option(20, min=1, help="How many, newest first."),
    as_json: bool = JsonOption,
) -> None:
    """An establishment's check results and findings, newest first."""
    with transaction(write=False) as db:
        stmt = service.result_query(tenants.get_by_finess(db, finess), target).limit(limit)
        found = [ResultRead.model_validate(r) for r in db.scalars(stmt)]
    emit_rows(found, as_json, title="Check results",
              columns=["checked", "endpoint", "passed", "open", "findings"],
              row=lambda r: [f"{r.checked_at:%Y-%m-%d %H:%M}", r.target,
                             "yes" if r.passed else "NO", r.open_ports,
                             "\n".join(f"[{f['severity']}] {f['message']}" for f in r.findings)])
