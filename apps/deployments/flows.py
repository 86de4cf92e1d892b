"""The deployment job (``apps.deploy``) and the drift check (``apps.observe``).

A deployment job has one step per service, in dependency order, then ``finish``. A
service's step rolls its release across the targets by batches (``rolling``: batches
of ``batch_size``; ``canary``: one target, then the rest), running the service's
playbook on the batch through ansible-runner, then checking each instance's health:

- a batch whose playbook fails or whose health check does not pass within the grace
  period: every instance this step changed is put back on the version it ran before
  (same playbook, previous release), and the job fails saying why and what answered
  again; the deployment is ``rolled_back``;
- an unreachable target: the rollout stops there (instances already done stay as they
  are, healthy), the deployment is ``failed``; deploying again converges, since the
  playbooks only change what differs.

Each step is idempotent: a resumed job re-runs the playbook, which changes nothing that
is already right. Instance rows record what each target should run (drift detection
compares the hosts with them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from hashlib import sha1
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from apps.catalogue import service as catalogue
from apps.catalogue.service import Service, Version
from apps.deployments import config
from apps.deployments.health import Health, wait_healthy
from apps.deployments.models import Deployment, Instance
from apps.deployments.schemas import DeploymentRead, DeploymentState
from apps.deployments.service import DEPLOY_JOB
from apps.drivers.ansible import PlaybookRun, SshAccess, run_playbook
from apps.errors import store
from apps.secrets import SECRETS, SecretError
from apps.targets.inventory import host_vars, runner_inventory
from apps.targets.models import AppTarget
from controlplane import jobs
from controlplane.db import utcnow
from controlplane.rows import snapshot
from controlplane.settings import get_settings

OBSERVE_JOB = "apps.observe"
#: Seconds an instance has to answer its health check after its playbook ran.
HEALTH_GRACE = float(os.environ.get("SOCLE_APPS_HEALTH_GRACE", "20"))
#: Tasks of deploy-service.yml per host (progress is host results over this).
TASKS_PER_HOST = 6


class RolloutFailed(RuntimeError):
    """A service's rollout stopped; the message says why and what was done about it."""


def _artifacts_dir() -> Path:
    return Path(get_settings().data_dir).resolve() / "apps" / "ansible-artifacts"


def _set_state(ctx: jobs.StepContext, state: DeploymentState, reason: str | None) -> None:
    with ctx.transaction() as db:
        deployment = store.get(db, Deployment, int(ctx.params["deployment_id"]))
        before = snapshot(deployment, DeploymentRead)
        deployment.state = state.value
        deployment.reason = reason
        db.flush()
        store.record(db, deployment, actor=ctx.actor, verb=state.value, read=DeploymentRead,
                     before=before)


def batches(targets: Sequence[str], strategy: str, batch_size: int) -> list[list[str]]:
    """The targets grouped as the strategy rolls them."""
    if strategy == "canary":
        return [list(targets[:1]), list(targets[1:])] if len(targets) > 1 else [list(targets)]
    return [list(targets[i:i + batch_size]) for i in range(0, len(targets), batch_size)]


@dataclass
class _Plan:
    """What a service's step works with, read once from the database."""

    service: Service
    release: Version
    config: dict[str, Any]
    secret_refs: dict[str, str]
    targets: dict[str, AppTarget]
    order: list[str]
    strategy: str
    batch_size: int
    before: dict[str, tuple[str, str, int | None]]  # target → (version, sha, deployment)


def _plan(ctx: jobs.StepContext, name: str) -> _Plan:
    with ctx.session() as db:
        deployment = store.get(db, Deployment, int(ctx.params["deployment_id"]))
        if deployment.state == DeploymentState.QUEUED.value:
            deployment.state = DeploymentState.RUNNING.value
            db.commit()
        wanted = next(r for r in deployment.releases if r["service"] == name)
        service = catalogue.current().services[name]
        release = service.version(wanted["version"])
        assert release is not None
        rendered = deployment.rendered.get(name)
        if rendered is None:  # fixed once, so a resumed step deploys the same thing
            rendered = config.with_tenants(db, name, deployment.config.get(name, {}))
            deployment.rendered = {**deployment.rendered, name: rendered}
            db.commit()
        targets = {t.name: t for t in db.scalars(
            select(AppTarget).where(AppTarget.name.in_(deployment.targets))).all()}
        for target in targets.values():
            db.expunge(target)
        before = {i.target.name: (i.version, i.config_sha256, i.deployment_id)
                  for i in db.scalars(select(Instance).where(Instance.service == name)).all()}
        return _Plan(service, release, rendered, dict(deployment.secret_refs.get(name, {})),
                     targets, list(deployment.targets), deployment.strategy,
                     deployment.batch_size, before)


def _play(ctx: jobs.StepContext, plan: _Plan, release: Version, cfg: Mapping[str, Any],
          hosts: Sequence[str], done: int, total: int) -> PlaybookRun:
    """Run the service's playbook for ``release`` on ``hosts``."""
    data_dir = Path(get_settings().data_dir)
    resolved = {key: SECRETS.resolve(ref, data_dir) for key, ref in plan.secret_refs.items()}
    assert release.path is not None
    extravars = {
        "socle_version": release.version,
        "socle_runtime": plan.service.runtime.replace("-", "_"),
        "socle_main_port": next(iter(plan.service.ports)),
        "socle_artifact": str(release.path),
        "socle_artifact_sha256": release.sha256,
        "socle_artifact_sha1": sha1(release.path.read_bytes()).hexdigest(),  # noqa: S324
        "socle_config": dict(cfg),
        "socle_config_sha256": config.digest(cfg),
    }
    expected = TASKS_PER_HOST * max(len(hosts), 1)

    def progress(count: int) -> None:
        ctx.progress(done + min(count / expected, 1.0) * len(hosts), total)

    ctx.log(f"{plan.service.name} {release.version} → {', '.join(hosts)}")
    return run_playbook(
        f"{plan.service.name}.yml",
        inventory=runner_inventory(plan.targets[h] for h in hosts),
        ssh=ssh_access(plan.targets[h] for h in hosts),
        extravars=extravars,
        secret_vars={"socle_secrets": resolved} if resolved else None,
        artifacts=_artifacts_dir(),
        on_line=lambda line: ctx.log(line),
        on_event=progress,
    )


def ssh_access(targets: Iterable[AppTarget]) -> dict[str, SshAccess]:
    """For each SSH target, its private key (resolved from its reference) and pinned host
    key; a reference that cannot be resolved fails the run, naming the target."""
    data_dir = Path(get_settings().data_dir)
    found = {}
    for target in targets:
        if target.connection != "ssh" or not (target.ssh_key_ref or target.ssh_host_key):
            continue
        try:
            key = SECRETS.resolve(target.ssh_key_ref, data_dir) if target.ssh_key_ref else None
        except SecretError as exc:
            raise RolloutFailed(f"target {target.name}: {exc}") from None
        found[target.name] = SshAccess(private_key=key, host_key=target.ssh_host_key)
    return found


def _health(plan: _Plan, host: str, cfg: Mapping[str, Any]) -> Health:
    target = plan.targets[host]
    ports = host_vars(target)["socle_ports"][plan.service.name]
    return wait_healthy(plan.service.health, target.address, ports, cfg, within=HEALTH_GRACE)


def _record(ctx: jobs.StepContext, plan: _Plan, host: str, version: str, sha: str,
            health: Health, deployment_id: int) -> None:
    with ctx.transaction() as db:
        target = store.by_key(db, AppTarget, host)
        row = db.scalar(select(Instance).where(Instance.service == plan.service.name,
                                               Instance.target_id == target.id))
        if row is None:
            row = Instance(service=plan.service.name, target_id=target.id, version=version,
                           config_sha256=sha)
            db.add(row)
        elif row.version != version:
            row.previous_version = row.version
        row.version, row.config_sha256 = version, sha
        row.health = "healthy" if health.healthy else "unhealthy"
        row.health_detail = health.detail
        row.drift = []
        row.deployment_id = deployment_id


def _earlier_config(db: Session, plan: _Plan, earlier: Deployment | None) -> dict[str, Any]:
    """The exact configuration ``earlier`` deployed for the plan's service (re-rendered
    with today's enrolments for a deployment made before configurations were kept)."""
    name = plan.service.name
    if earlier is not None and name in earlier.rendered:
        return dict(earlier.rendered[name])
    base = earlier.config.get(name, plan.config) if earlier is not None else plan.config
    return config.with_tenants(db, name, base)


def _rollback(ctx: jobs.StepContext, plan: _Plan, changed: Sequence[str]) -> str:
    """Put ``changed`` targets back on what they ran before; a sentence saying how it went."""
    outcomes = []
    for host in changed:
        previous = plan.before.get(host)
        if previous is None:
            outcomes.append(f"{host}: no earlier version to return to")
            continue
        version, _, origin = previous
        release = plan.service.version(version)
        with ctx.read() as db:
            earlier = db.get(Deployment, origin) if origin else None
            cfg = _earlier_config(db, plan, earlier)
        if release is None:
            outcomes.append(f"{host}: version {version} left the catalogue")
            continue
        run = _play(ctx, plan, release, cfg, [host], 0, 1)
        health = _health(plan, host, cfg) if run.ok else Health(False, _why(run, host))
        _record(ctx, plan, host, version, config.digest(cfg), health,
                int(origin or ctx.params["deployment_id"]))
        state = "answers again" if health.healthy else f"still unhealthy ({health.detail})"
        outcomes.append(f"{host} back on {version}, {state}")
    return "; ".join(outcomes)


def _why(run: PlaybookRun, host: str) -> str:
    return run.unreachable.get(host) or run.failed.get(host) or f"playbook {run.status}"


def _rollout_step(name: str) -> jobs.Step:
    def rollout(ctx: jobs.StepContext) -> Mapping[str, Any]:
        plan = _plan(ctx, name)
        deployment_id = int(ctx.params["deployment_id"])
        sha = config.digest(plan.config)
        changed: list[str] = []
        groups = batches(plan.order, plan.strategy, plan.batch_size)
        for batch in groups:
            run = _play(ctx, plan, plan.release, plan.config, batch, len(changed),
                        len(plan.order))
            if run.error:
                _set_state(ctx, DeploymentState.FAILED, f"{name}: {run.error}")
                raise RolloutFailed(f"{name}: {run.error}")
            if run.unreachable:
                reached = [h for h in batch if h not in run.unreachable]
                for host in reached:
                    _record(ctx, plan, host, plan.release.version, sha,
                            _health(plan, host, plan.config), deployment_id)
                lost = ", ".join(f"{h} ({m})" for h, m in sorted(run.unreachable.items()))
                reason = (f"{name} {plan.release.version}: target unreachable: {lost}; rollout "
                          f"stopped, {len(changed) + len(reached)} instance(s) updated stay up")
                _set_state(ctx, DeploymentState.FAILED, reason)
                raise RolloutFailed(reason)
            failures = {h: Health(False, _why(run, h)) for h in batch if h in run.failed}
            for host in batch:
                health = failures.get(host) or _health(plan, host, plan.config)
                if not health.healthy:
                    failures[host] = health
                else:
                    _record(ctx, plan, host, plan.release.version, sha, health, deployment_id)
            changed.extend(batch)
            if failures:
                why = "; ".join(f"{h}: {f.detail}" for h, f in sorted(failures.items()))
                ctx.log(f"health check failed: {why}; rolling back", level="error")
                back = _rollback(ctx, plan, changed)
                reason = (f"{name} {plan.release.version} failed its health check ({why}); "
                          f"rolled back: {back}")
                _set_state(ctx, DeploymentState.ROLLED_BACK, reason)
                raise RolloutFailed(reason)
            ctx.log(f"{name} {plan.release.version} healthy on {', '.join(batch)}")
        return {"service": name, "version": plan.release.version, "targets": changed}

    return jobs.Step(name, rollout)


def _finish(ctx: jobs.StepContext) -> Mapping[str, Any]:
    _set_state(ctx, DeploymentState.SUCCEEDED, None)
    return {"deployment_id": int(ctx.params["deployment_id"]),
            "services": list(ctx.params["services"])}


def _failed(ctx: jobs.StepContext, message: str) -> None:
    with ctx.read() as db:
        deployment = store.get(db, Deployment, int(ctx.params["deployment_id"]))
        settled = deployment.state in (DeploymentState.FAILED.value,
                                       DeploymentState.ROLLED_BACK.value)
    if not settled:
        _set_state(ctx, DeploymentState.FAILED, message)


def _cancelled(db: Session, params: Mapping[str, Any]) -> None:
    """The deployment of a cancelled job is ``cancelled`` (what its finished steps deployed
    stays deployed, with its instances recorded)."""
    deployment = store.get(db, Deployment, int(params["deployment_id"]))
    if deployment.state not in (DeploymentState.QUEUED.value, DeploymentState.RUNNING.value):
        return
    before = snapshot(deployment, DeploymentRead)
    deployment.state = DeploymentState.CANCELLED.value
    deployment.reason = "cancelled on request"
    db.flush()
    store.record(db, deployment, actor=f"job:{deployment.job_id} ({DEPLOY_JOB})",
                 verb=DeploymentState.CANCELLED.value, read=DeploymentRead, before=before)


def _deploy_steps(params: Mapping[str, Any]) -> list[jobs.Step]:
    return [*(_rollout_step(name) for name in params["services"]), jobs.Step("finish", _finish)]


DEPLOY = jobs.register(jobs.JobKind(
    name=DEPLOY_JOB,
    steps_for=_deploy_steps,
    on_failure=_failed,
    on_cancel=_cancelled,
    description="Deploy releases of regional services to targets (Ansible), health-gated.",
))


# --- drift ---------------------------------------------------------------------------


def drift_of(instance: Instance, observed: Mapping[str, Any] | None,
             desired_sha: str) -> list[str]:
    """How what runs differs from what should (empty: no drift)."""
    if observed is None:
        return ["missing: no manifest on the host"]
    manifest = observed.get("manifest", {})
    found = []
    if manifest.get("version") != instance.version:
        found.append(f"version: runs {manifest.get('version')}, should run {instance.version}")
    if manifest.get("config_sha256") != instance.config_sha256:
        found.append("config: deployed from another configuration")
    if observed.get("config_file_sha1") != manifest.get("config_file_sha1"):
        found.append("config: the file was changed on the host")
    if desired_sha != instance.config_sha256:
        found.append("config: out of date (enrolments or settings changed)")
    return found


def _observe(ctx: jobs.StepContext) -> Mapping[str, Any]:
    with ctx.read() as db:
        instances = db.scalars(select(Instance).order_by(Instance.id)).all()
        targets = {i.target.name: i.target for i in instances}
        for target in targets.values():
            db.expunge(target)
    if not targets:
        return {"instances": 0, "drifted": 0}
    run = run_playbook("observe.yml", inventory=runner_inventory(targets.values()),
                       ssh=ssh_access(targets.values()),
                       extravars={}, artifacts=_artifacts_dir(),
                       on_line=lambda line: ctx.log(line),
                       keep_results_of=["Deployed manifests"])
    found: list[str] = []
    with ctx.transaction() as db:
        for instance in db.scalars(select(Instance).order_by(Instance.id)).all():
            host = instance.target.name
            if host in run.unreachable or host in run.failed:
                instance.drift = [f"unobservable: {_why(run, host)}"]
            else:
                stdout = run.results.get(host, {}).get("Deployed manifests", {}).get("stdout", "{}")
                seen = json.loads(stdout).get(instance.service)
                origin = db.get(Deployment, instance.deployment_id) if instance.deployment_id \
                    else None
                base = (origin.config if origin else {}).get(instance.service, {})
                desired = config.digest(config.with_tenants(db, instance.service, base))
                instance.drift = drift_of(instance, seen, desired)
                instance.observed = seen or {}
            instance.observed_at = utcnow()
            if instance.drift:
                found.append(f"{instance.service} on {host}: {'; '.join(instance.drift)}")
        total = len(db.scalars(select(Instance.id)).all())
    for line in found:
        ctx.log(line, level="warning")
    return {"instances": total, "drifted": len(found)}


OBSERVE = jobs.register(jobs.JobKind(
    name=OBSERVE_JOB,
    steps=(jobs.Step("observe", _observe),),
    description="Read what runs on the targets and record drift from what should.",
))
