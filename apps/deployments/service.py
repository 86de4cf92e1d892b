"""Deployments: a request checked against the catalogue, the targets and the running
instances (nothing is deployed when any check fails), then queued as a job; explicit
rollback and re-sync of drifted instances are deployments too.

Checks, each a 4xx naming the field: unknown service or version, artifact not matching
its SHA-256, dependency cycle, dependency neither requested nor running healthy,
target not meeting the service's network access, configuration not matching the
service's JSON Schema, missing secret reference; 409 when another deployment of the
same services is under way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from apps import errors
from apps.catalogue import service as catalogue
from apps.catalogue.service import Catalog, CycleError, dependency_order
from apps.deployments import config
from apps.deployments.models import Deployment, Instance
from apps.deployments.schemas import DeploymentCreate, DeploymentRead, DeploymentState
from apps.errors import store
from apps.secrets import SECRETS
from apps.targets.inventory import accesses
from apps.targets.models import AppTarget
from controlplane import jobs
from controlplane.models import Job
from controlplane.rows import snapshot

DEPLOY_JOB = "apps.deploy"
ACTIVE = (DeploymentState.QUEUED.value, DeploymentState.RUNNING.value)


def _release_order(services: Catalog, wanted: Sequence[str]) -> list[str]:
    """``wanted`` in dependency order; 422 on a cycle through any of them."""
    graph = {name: service.dependencies for name, service in services.services.items()}
    try:
        full = dependency_order(graph, wanted)
    except CycleError as exc:
        index = next(i for i, name in enumerate(wanted) if name in exc.cycle)
        raise errors.invalid(f"releases.{index}.service",
                             f"dependency cycle: {exc}", errors.CYCLE) from None
    return [name for name in full if name in wanted]


def _healthy_somewhere(db: Session, service: str) -> bool:
    return db.scalar(select(Instance.id).where(Instance.service == service,
                                               Instance.health == "healthy").limit(1)) is not None


def _check_release(services: Catalog, index: int, service_name: str, version: str) -> None:
    service = services.get(service_name)
    if service is None:
        raise errors.invalid(f"releases.{index}.service", f"no service {service_name!r}",
                             errors.UNKNOWN_SERVICE)
    release = service.version(version)
    if release is None:
        known = ", ".join(v.version for v in service.versions)
        raise errors.invalid(f"releases.{index}.version",
                             f"{service_name} has no version {version!r} (known: {known})",
                             errors.UNKNOWN_VERSION)
    if release.artifact_checksum() != release.sha256:
        raise errors.invalid(f"releases.{index}.version",
                             f"artifact {release.artifact} does not match its SHA-256 "
                             f"{release.sha256}", errors.CHECKSUM)


@dataclass(frozen=True)
class _Checked:
    """A deployment request found sound: its services in dependency order, its targets,
    and each service's configuration rendered against its schema."""

    order: list[str]
    targets: list[AppTarget]
    rendered: dict[str, dict[str, Any]]


def _check_releases(services: Catalog, body: DeploymentCreate) -> list[str]:
    """Each release known and listed once; the services in dependency order."""
    names = [r.service for r in body.releases]
    for index, release in enumerate(body.releases):
        _check_release(services, index, release.service, release.version)
        if release.service in names[:index]:
            raise errors.invalid(f"releases.{index}.service", "listed twice")
    return _release_order(services, names)


def _check_dependencies(db: Session, services: Catalog, names: list[str],
                        order: list[str]) -> None:
    """A service's dependencies are part of the request, or deployed and healthy."""
    position = {name: names.index(name) for name in names}
    for name in order:
        for dependency in services.services[name].dependencies:
            if dependency not in names and not _healthy_somewhere(db, dependency):
                raise errors.invalid(
                    f"releases.{position[name]}.service",
                    f"{name} needs {dependency} deployed and healthy first (add it to the "
                    "releases or deploy it before)", errors.DEPENDENCY)


def _check_placement(db: Session, services: Catalog, order: list[str],
                     targets: list[AppTarget]) -> None:
    """Every target stands where each service needs it (its site's network access)."""
    access = accesses(db, targets)
    for name in order:
        needed = services.services[name].network_access
        for index, target in enumerate(targets):
            if needed and access.get(target.name) != needed:
                where = (f"at site {target.site}, {access.get(target.name, 'unclassified')}"
                         if target.site else "at no network site")
                raise errors.invalid(f"targets.{index}",
                                     f"{name} runs only at a {needed} network site; "
                                     f"{target.name} is {where}", errors.PLACEMENT)


def _check_configuration(services: Catalog, body: DeploymentCreate,
                         order: list[str]) -> dict[str, dict[str, Any]]:
    """Each service's configuration rendered against its schema, and a reference for each
    secret it declares."""
    for key in body.config:
        if key not in order:
            raise errors.invalid(f"config.{key}", "not a service of this deployment")
    rendered = {name: config.checked(services.services[name], body.config.get(name, {}),
                                     field=f"config.{name}") for name in order}
    for name in order:
        for secret in services.services[name].secrets:
            if secret not in body.secrets.get(name, {}):
                raise errors.invalid(f"secrets.{name}.{secret}",
                                     f"a reference ({SECRETS.form}) is required",
                                     errors.SECRET_REFERENCE)
    return rendered


def _checked(db: Session, body: DeploymentCreate) -> _Checked:
    """Every check of a deployment request, in the order their errors are reported: 422
    naming the field, or 409 while another deployment of these services runs."""
    services = catalogue.current()
    order = _check_releases(services, body)
    _check_dependencies(db, services, [r.service for r in body.releases], order)
    targets = _targets(db, body.targets)
    _check_placement(db, services, order, targets)
    rendered = _check_configuration(services, body, order)
    _not_busy(db, order)
    return _Checked(order, targets, rendered)


def create(db: Session, body: DeploymentCreate, *, actor: str, action: str = "deploy",
           rollback_of: int | None = None,
           pinned: Mapping[str, Mapping[str, Any]] | None = None) -> Deployment:
    """Check ``body`` and queue its deployment job (202 at the API). ``pinned``: services'
    exact configurations to deploy as they are (a rollback's), instead of rendering them
    with the enrolments of the moment."""
    checked = _checked(db, body)
    order = checked.order
    wanted = {r.service: r.version for r in body.releases}
    deployment = Deployment(
        action=action,
        releases=[{"service": name, "version": wanted[name],
                   **_previous(db, name, checked.targets, wanted[name])} for name in order],
        targets=[t.name for t in checked.targets],
        strategy=body.strategy.value,
        batch_size=body.batch_size,
        config=checked.rendered,
        rendered={name: dict(exact) for name, exact in (pinned or {}).items()},
        secret_refs={name: dict(body.secrets.get(name, {})) for name in order
                     if body.secrets.get(name)},
        state=DeploymentState.QUEUED.value,
        rollback_of=rollback_of,
        created_by=actor,
    )
    db.add(deployment)
    db.flush()
    job = jobs.enqueue(db, kind=DEPLOY_JOB, actor=actor,
                       params={"deployment_id": deployment.id, "services": order})
    deployment.job_id = job.id
    db.flush()
    store.record(db, deployment, actor=actor, verb=action, read=DeploymentRead)
    return deployment


def _targets(db: Session, names: Sequence[str]) -> list[AppTarget]:
    found = []
    for index, name in enumerate(names):
        target = store.find(db, AppTarget, name)
        if target is None:
            raise errors.invalid(f"targets.{index}", f"no target {name!r}")
        if target in found:
            raise errors.invalid(f"targets.{index}", "listed twice")
        found.append(target)
    return found


def _previous(db: Session, service: str, targets: Sequence[AppTarget],
              version: str) -> dict[str, Any]:
    """What these targets run now, that a rollback returns to: ``previous`` (the version)
    and ``previous_deployment`` (the deployment that put it there, whose exact
    configuration the rollback restores)."""
    rows = db.scalars(select(Instance).where(Instance.service == service,
                                             Instance.target_id.in_([t.id for t in targets]))
                      .order_by(Instance.version, Instance.id)).all()
    earlier = [row for row in rows if row.version != version]
    if not earlier:
        return {"previous": None, "previous_deployment": None}
    return {"previous": earlier[0].version, "previous_deployment": earlier[0].deployment_id}


def _not_busy(db: Session, services: Sequence[str]) -> None:
    for running in db.scalars(select(Deployment).where(Deployment.state.in_(ACTIVE))).all():
        job = db.get(Job, running.job_id) if running.job_id else None
        if job is not None and job.state in jobs.TERMINAL_STATES:
            _settle(db, running, job)  # its job ended without saying so (e.g. an old cancel)
            continue
        clash = sorted({r["service"] for r in running.releases} & set(services))
        if clash:
            raise errors.conflict(errors.BUSY, "releases",
                                  f"deployment {running.id} of {', '.join(clash)} is under way")


def _settle(db: Session, deployment: Deployment, job: Job) -> None:
    """Give a deployment whose job has ended the state of that end."""
    before = snapshot(deployment, DeploymentRead)
    deployment.state = (DeploymentState.CANCELLED if job.state == "cancelled"
                        else DeploymentState.FAILED).value
    deployment.reason = f"its job {job.id} ended {job.state}"
    db.flush()
    store.record(db, deployment, actor="apps (settled)", verb=deployment.state,
                 read=DeploymentRead, before=before)


def rollback(db: Session, deployment: Deployment, *, actor: str) -> Deployment:
    """Deploy again the versions ``deployment`` replaced, each with the exact configuration
    it ran with (409 when it replaced none)."""
    back = [r for r in deployment.releases if r.get("previous")]
    if not back:
        raise errors.conflict(errors.NO_PREVIOUS, "releases",
                              f"deployment {deployment.id} replaced no earlier version")
    config: dict[str, Any] = {}
    pinned: dict[str, Any] = {}
    secret_refs: dict[str, Any] = {}
    for release in back:
        name = release["service"]
        origin = db.get(Deployment, release["previous_deployment"]) \
            if release.get("previous_deployment") else None
        source = origin or deployment
        if name in source.config:
            config[name] = dict(source.config[name])
        if origin is not None and name in origin.rendered:
            pinned[name] = origin.rendered[name]
        if name in source.secret_refs:
            secret_refs[name] = dict(source.secret_refs[name])
    body = _again(
        releases=[{"service": r["service"], "version": r["previous"]} for r in back],
        targets=deployment.targets,
        strategy=deployment.strategy,
        batch_size=deployment.batch_size,
        config=config,
        secrets=secret_refs,
    )
    return create(db, body, actor=actor, action="rollback", rollback_of=deployment.id,
                  pinned=pinned)


def resync(db: Session, *, actor: str) -> list[Deployment]:
    """A deployment per service whose instances drifted, back to what they should run."""
    drifted: dict[tuple[str, str], list[Instance]] = {}
    for instance in db.scalars(select(Instance).order_by(Instance.id)).all():
        if instance.drift:
            drifted.setdefault((instance.service, instance.version), []).append(instance)
    made = []
    for (service, version), instances in sorted(drifted.items()):
        origin = db.get(Deployment, instances[0].deployment_id) if instances[0].deployment_id \
            else None
        body = _again(
            releases=[{"service": service, "version": version}],
            targets=[i.target.name for i in instances],
            batch_size=len(instances),
            config=_overrides(origin.config, [service]) if origin else {},
            secrets={service: origin.secret_refs[service]}
            if origin and service in origin.secret_refs else {},
        )
        made.append(create(db, body, actor=actor, action="resync"))
    return made


def _again(**fields: Any) -> DeploymentCreate:
    """The body deploying again what an earlier deployment recorded; a 422 naming the
    field when a stored value is no longer accepted (a secret reference from before
    the planes' secret namespaces: it must be renamed, see :mod:`apps.secrets`)."""
    try:
        return DeploymentCreate(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        raise errors.invalid(field, str(error["msg"]).removeprefix("Value error, ")) from None


def _overrides(rendered: Mapping[str, Any], services: Sequence[str]) -> dict[str, Any]:
    return {name: dict(rendered[name]) for name in services if name in rendered}


def deployment_query(*, state: str | None = None) -> Select[tuple[Deployment]]:
    """Deployments, newest first."""
    stmt = select(Deployment).order_by(Deployment.id.desc())
    if state:
        stmt = stmt.where(Deployment.state == state)
    return stmt


def instance_query(*, service: str | None = None) -> Select[tuple[Instance]]:
    """Instances by service and target name."""
    stmt = select(Instance).join(Instance.target).order_by(Instance.service, AppTarget.name)
    if service:
        stmt = stmt.where(Instance.service == service)
    return stmt
