"""``socle apps ...``: the catalogue, targets, enrolments, deployments and instances."""

from __future__ import annotations

import json
from typing import Any

import typer

from apps import catalogue, deployments, store, targets
from apps.models import AppTarget, Deployment, Enrolment
from apps.schemas import (
    DeploymentCreate,
    DeploymentRead,
    EnrolmentCreate,
    EnrolmentRead,
    EnrolmentUpdate,
    InstanceRead,
    ReleaseWanted,
    Strategy,
    TargetCreate,
    TargetUpdate,
)
from apps.secrets import SECRETS
from controlplane.cli import job as job_cli
from controlplane.cli.common import (
    HereOption,
    WaitOption,
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
    """Targets (hosts), with their network site's access."""
    with transaction(write=False) as db:
        rows = targets.reads(db, list(db.scalars(targets.target_query())))
    if as_json:
        emit_json(rows)
        return
    emit_table("Targets", ["name", "address", "connection", "prefix", "site", "access", "VM"],
               [(t.name, t.address, t.connection, t.prefix, t.site, t.network_access,
                 t.hosting_instance) for t in rows])


@app.command("add-target")
@handle_errors
def add_target(
    name: str,
    address: str | None = typer.Argument(None, help="Defaults to the VM's address with --vm."),
    connection: str = typer.Option("ssh", help="ssh or local."),
    prefix: str = typer.Option("/srv/socle"),
    site: str | None = typer.Option(None, help="Network site code (its access: THD, MPLS)."),
    vm: str | None = typer.Option(None, help="Instance id of a hosting-plane VM."),
    ssh_port: int = typer.Option(22),
    ssh_user: str | None = typer.Option(None),
    as_json: bool = JSON,
) -> None:
    """Register a target, by address or as a hosting-plane VM."""
    body = TargetCreate(name=name, address=address, connection=connection, prefix=prefix,
                        site=site, hosting_instance=vm, ssh_port=ssh_port, ssh_user=ssh_user)
    with transaction() as db:
        item = targets.reads(db, [targets.create_target(db, body, actor=local_actor())])[0]
    emit_item(item, as_json)


@app.command("update-target")
@handle_errors
def update_target(
    name: str,
    address: str | None = typer.Option(None),
    connection: str | None = typer.Option(None, help="ssh or local."),
    prefix: str | None = typer.Option(None),
    site: str | None = typer.Option(None, help="Network site code."),
    no_site: bool = typer.Option(False, "--no-site", help="Take the target off its site."),
    ssh_port: int | None = typer.Option(None),
    ssh_user: str | None = typer.Option(None),
    as_json: bool = JSON,
) -> None:
    """Change how a target is reached or where it stands (only the options given)."""
    given = {"address": address, "connection": connection, "prefix": prefix, "site": site,
             "ssh_port": ssh_port, "ssh_user": ssh_user}
    values = {k: v for k, v in given.items() if v is not None}
    if no_site:
        values["site"] = None
    with transaction() as db:
        target = store.by_key(db, AppTarget, name)
        changed = targets.update_target(db, target, TargetUpdate(**values), actor=local_actor())
        item = targets.reads(db, [changed])[0]
    emit_item(item, as_json)


@app.command("remove-target")
@handle_errors
def remove_target(name: str) -> None:
    """Remove a target nothing runs on."""
    with transaction() as db:
        targets.delete_target(db, store.by_key(db, AppTarget, name), actor=local_actor())
    typer.echo(f"target {name} removed")


def _settings(pairs: list[str]) -> dict[str, str]:
    for pair in pairs:
        if "=" not in pair:
            raise typer.BadParameter(f"{pair!r}: give KEY=VALUE", param_hint="--setting")
    return dict(pair.split("=", 1) for pair in pairs)


def _per_service(pairs: list[str], option: str, *, parse: bool = True) -> dict[str, Any]:
    """``SERVICE.KEY=VALUE`` pairs as ``{service: {key: value}}``."""
    found: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        service, dot, key = name.partition(".")
        if not (sep and dot and service and key):
            raise typer.BadParameter(f"{pair!r}: give SERVICE.KEY=VALUE", param_hint=option)
        found.setdefault(service, {})[key] = _json_or_text(value) if parse else value
    return found


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


@app.command("enrol")
@handle_errors
def enrol(tenant: str, service: str,
          setting: list[str] = typer.Option([], help="KEY=VALUE, repeatable."),
          as_json: bool = JSON) -> None:
    """Enrol an establishment (FINESS) in a service with its settings."""
    with transaction() as db:
        item = EnrolmentRead.model_validate(targets.enrol(
            db, EnrolmentCreate(tenant=tenant, service=service, settings=_settings(setting)),
            actor=local_actor()))
    emit_item(item, as_json)


@app.command("update-enrolment")
@handle_errors
def update_enrolment(enrolment_id: int,
                     setting: list[str] = typer.Option([], help="KEY=VALUE, repeatable."),
                     as_json: bool = JSON) -> None:
    """Replace an enrolment's settings (all of them: give every KEY=VALUE it keeps)."""
    with transaction() as db:
        enrolment = store.get(db, Enrolment, enrolment_id)
        item = EnrolmentRead.model_validate(targets.update_enrolment(
            db, enrolment, EnrolmentUpdate(settings=_settings(setting)), actor=local_actor()))
    emit_item(item, as_json)


@app.command("unenrol")
@handle_errors
def unenrol(enrolment_id: int) -> None:
    """End an establishment's use of a service (by enrolment id)."""
    with transaction() as db:
        targets.delete_enrolment(db, store.get(db, Enrolment, enrolment_id),
                                 actor=local_actor())
    typer.echo(f"enrolment {enrolment_id} removed")


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


