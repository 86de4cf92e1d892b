"""``socle apps deployments|instances|deploy``: deployments and instances.
"""

from __future__ import annotations

import typer

from apps.catalogue.cli import JSON
from apps.deployments import service as deployments
from apps.deployments.models import Deployment
from apps.deployments.schemas import (
    DeploymentCreate,
    DeploymentRead,
    InstanceRead,
    ReleaseWanted,
    Strategy,
)
from apps.enrolments.cli import _per_service
from apps.secrets import SECRETS
from controlplane.cli import job as job_cli
from controlplane.cli.common import (
    HereOption,
    WaitOption,
    emit_item,
    emit_rows,
    handle_errors,
    local_actor,
    transaction,
)

app = typer.Typer()



@app.command("deployments")
@handle_errors
def list_deployments(as_json: bool = JSON) -> None:
    """Deployments, newest first."""
    with transaction(write=False) as db:
        rows = [DeploymentRead.model_validate(d)
                for d in db.scalars(deployments.deployment_query().limit(100))]
    emit_rows(rows, as_json, title="Deployments",
              columns=["id", "action", "releases", "targets", "state", "reason"],
              row=lambda d: (d.id, d.action,
                             ", ".join(f"{r['service']} {r['version']}" for r in d.releases),
                             ", ".join(d.targets), d.state, d.reason))


@app.command("instances")
@handle_errors
def list_instances(as_json: bool = JSON) -> None:
    """What runs where, its health and drift."""
    with transaction(write=False) as db:
        rows = [InstanceRead.model_validate(i) for i in db.scalars(deployments.instance_query())]
    emit_rows(rows, as_json, title="Instances",
              columns=["service", "target", "version", "health", "drift"],
              row=lambda i: (i.service, i.target, i.version, i.health, "; ".join(i.drift)))


@app.command("deploy")
@handle_errors
def deploy(
    release: list[str] = typer.Argument(..., help="SERVICE=VERSION, one or more."),
    target: list[str] = typer.Option(..., "--target", "-t", help="Target name, repeatable."),
    strategy: Strategy = typer.Option(Strategy.ROLLING),
    batch_size: int = typer.Option(1),
    config: list[str] = typer.Option(
        [], help="SERVICE.KEY=VALUE, repeatable (VALUE read as JSON when it parses)."),
    secret: list[str] = typer.Option(
        [], help=f"SERVICE.NAME=REFERENCE ({SECRETS.form}), repeatable."),
    wait: bool = WaitOption,
    here: bool = HereOption,
    as_json: bool = JSON,
) -> None:
    """Queue a deployment (a worker runs it); --wait follows its progress, --here runs it."""
    wanted = [ReleaseWanted(service=r.split("=", 1)[0], version=r.split("=", 1)[-1])
              for r in release]
    body = DeploymentCreate(releases=wanted, targets=target, strategy=strategy,
                            batch_size=batch_size, config=_per_service(config, "--config"),
                            secrets=_per_service(secret, "--secret", parse=False))
    with transaction() as db:
        made = deployments.create(db, body, actor=local_actor())
        deployment_id, job_id = made.id, made.job_id
    failed = None
    if wait or here:
        try:
            job_cli.follow(job_id, here=here)
        except typer.Exit as ended:
            failed = ended
    with transaction(write=False) as db:
        emit_item(DeploymentRead.model_validate(db.get_one(Deployment, deployment_id)), as_json)
    if failed is not None:
        raise failed
