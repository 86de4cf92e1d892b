"""``socle apps ...``: the catalogue, targets, enrolments, deployments and instances."""

from __future__ import annotations

import typer

from apps import catalogue, deployments, targets
from apps.models import Deployment
from apps.schemas import (
    DeploymentCreate,
    DeploymentRead,
    EnrolmentCreate,
    EnrolmentRead,
    InstanceRead,
    ReleaseWanted,
    Strategy,
    TargetCreate,
    TargetRead,
)
from controlplane.cli import job as job_cli
from controlplane.cli.common import (
    emit_item,
    emit_json,
    emit_table,
    handle_errors,
    local_actor,
    transaction,
)

app = typer.Typer(help="Regional application services: catalogue, deployments, drift.",
                  no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")


@app.command("services")
@handle_errors
def services(as_json: bool = JSON) -> None:
    """The service catalogue."""
    items = sorted(catalogue.current().services.values(), key=lambda s: s.name)
    if as_json:
        emit_json([s.model_dump(mode="json") for s in items])
        return
    emit_table("Services", ["name", "title", "runtime", "needs", "versions"],
               [(s.name, s.title, s.runtime, ", ".join(s.dependencies),
                 ", ".join(v.version for v in s.versions)) for s in items])


@app.command("targets")
@handle_errors
def list_targets(as_json: bool = JSON) -> None:
    """Targets (hosts)."""
    with transaction(write=False) as db:
        rows = [TargetRead.model_validate(t) for t in db.scalars(targets.target_query())]
    if as_json:
        emit_json(rows)
        return
    emit_table("Targets", ["name", "address", "connection", "prefix", "access"],
               [(t.name, t.address, t.connection, t.prefix, t.network_access) for t in rows])


@app.command("add-target")
@handle_errors
def add_target(
    name: str, address: str,
    connection: str = typer.Option("ssh", help="ssh or local."),
    prefix: str = typer.Option("/srv/socle"),
    network_access: str | None = typer.Option(None, help="THD or MPLS."),
    as_json: bool = JSON,
) -> None:
    """Register a target."""
    body = TargetCreate(name=name, address=address, connection=connection, prefix=prefix,
                        network_access=network_access)
    with transaction() as db:
        item = TargetRead.model_validate(targets.create_target(db, body, actor=local_actor()))
    emit_item(item, as_json)


@app.command("enrol")
@handle_errors
def enrol(tenant: str, service: str,
          setting: list[str] = typer.Option([], help="KEY=VALUE, repeatable."),
          as_json: bool = JSON) -> None:
    """Enrol an establishment (FINESS) in a service with its settings."""
    settings = dict(item.split("=", 1) for item in setting)
    with transaction() as db:
        item = EnrolmentRead.model_validate(targets.enrol(
            db, EnrolmentCreate(tenant=tenant, service=service, settings=settings),
            actor=local_actor()))
    emit_item(item, as_json)


@app.command("deployments")
@handle_errors
def list_deployments(as_json: bool = JSON) -> None:
    """Deployments, newest first."""
    with transaction(write=False) as db:
        rows = [DeploymentRead.model_validate(d)
                for d in db.scalars(deployments.deployment_query().limit(100))]
    if as_json:
        emit_json(rows)
        return
    emit_table("Deployments", ["id", "action", "releases", "targets", "state", "reason"],
               [(d.id, d.action, ", ".join(f"{r['service']} {r['version']}" for r in d.releases),
                 ", ".join(d.targets), d.state, d.reason) for d in rows])


@app.command("instances")
@handle_errors
def list_instances(as_json: bool = JSON) -> None:
    """What runs where, its health and drift."""
    with transaction(write=False) as db:
        rows = [InstanceRead.model_validate(i) for i in db.scalars(deployments.instance_query())]
    if as_json:
        emit_json(rows)
        return
    emit_table("Instances", ["service", "target", "version", "health", "drift"],
               [(i.service, i.target, i.version, i.health, "; ".join(i.drift)) for i in rows])


@app.command("deploy")
@handle_errors
def deploy(
    release: list[str] = typer.Argument(..., help="SERVICE=VERSION, one or more."),
    target: list[str] = typer.Option(..., "--target", "-t", help="Target name, repeatable."),
    strategy: Strategy = typer.Option(Strategy.ROLLING),
    batch_size: int = typer.Option(1),
    wait: bool = typer.Option(False, help="Follow the job with a progress bar."),
    as_json: bool = JSON,
) -> None:
    """Queue a deployment (a worker runs it); --wait follows its progress."""
    wanted = [ReleaseWanted(service=r.split("=", 1)[0], version=r.split("=", 1)[-1])
              for r in release]
    body = DeploymentCreate(releases=wanted, targets=target, strategy=strategy,
                            batch_size=batch_size)
    with transaction() as db:
        made = deployments.create(db, body, actor=local_actor())
        deployment_id, job_id = made.id, made.job_id
    failed = None
    if wait:
        try:
            job_cli.follow(job_id)
        except typer.Exit as ended:
            failed = ended
    with transaction(write=False) as db:
        emit_item(DeploymentRead.model_validate(db.get_one(Deployment, deployment_id)), as_json)
    if failed is not None:
        raise failed


