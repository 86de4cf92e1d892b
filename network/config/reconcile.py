"""The network plane's reconcilers: routers' configuration, and MPLS→THD site migrations.

``network.device-config``: desired = each CE's rendered intent (:mod:`network.config.intent`);
observed = its running configuration over SSH (routers read in parallel; one that cannot
be read fails the plan, naming it); a change = the readable diff and the minimal lines
to push (:mod:`network.config.configdiff`). Applying pushes those lines only, reads back and
verifies, and records the configurations read before and after (:mod:`network.config.backups`);
a failure restores the configuration read before the push. Routers are independent
(``atomic = False``): one refusing a line never undoes its neighbours.

``network.site-migration``: one change per router of a requested migration, in two
ordered phases (make-before-break, see :mod:`network.config.migrations`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane import jobs, reconcile
from controlplane.reconcile import Change
from controlplane.settings import get_settings
from network.config import backups, configdiff, intent, migrations
from network.config.configdiff import ConfigDiff, Scope
from network.config.router_ops import Probe, RouterError, RouterOps, Target
from network.drivers.ssh import NetmikoDriver
from network.drivers.ssh_types import ConfigDriver
from network.inventory.models import Device

CONFIG_KIND = "network.device-config"
MIGRATION_KIND = "network.site-migration"


class PlanError(RuntimeError):
    """A router's intent or running configuration is missing: the plan cannot be made."""


@dataclass(frozen=True)
class Phase:
    """One push towards an intended configuration (a migration has two)."""

    name: str
    intended: str
    interfaces: tuple[str, ...]
    lines: tuple[str, ...] = ()
    probes: tuple[Probe, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The stored form (in a plan's change)."""
        return {
            "name": self.name,
            "intended": self.intended,
            "interfaces": list(self.interfaces),
            "lines": list(self.lines),
            "probes": [asdict(p) for p in self.probes],
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Phase:
        """Rebuild a phase from a plan."""
        return cls(
            name=raw["name"],
            intended=raw["intended"],
            interfaces=tuple(raw["interfaces"]),
            lines=tuple(raw["lines"]),
            probes=tuple(Probe(**p) for p in raw.get("probes", [])),
        )


def _diff(platform: str, running: str, phase: Phase, name: str) -> ConfigDiff:
    return configdiff.compare(platform, running, phase.intended, Scope(phase.interfaces), name=name)


class RouterReconciler:
    """What both network kinds share: reading routers, pushing phases, rolling back."""

    kind = ""
    atomic = False

    def __init__(self, driver: ConfigDriver | None = None) -> None:
        self.driver: ConfigDriver = driver or NetmikoDriver()
        self._targets: dict[str, Target] = {}
        self._lock = threading.Lock()

    @property
    def concurrency(self) -> int:
        """Routers handled at once (``SOCLE_NETWORK_APPLY_CONCURRENCY``)."""
        return get_settings().network_apply_concurrency

    def ops(self) -> RouterOps:
        """Router operations with the current settings."""
        return RouterOps(self.driver, get_settings())

    def remember(self, found: Iterable[intent.Intent]) -> None:
        """Where the routers ``desired()`` described answer, for ``observe()``."""
        targets = {i.hostname: Target(i.endpoint, i.credential_ref) for i in found if not i.error}
        with self._lock:
            self._targets = targets

    def observe(self, keys: Iterable[str]) -> Mapping[str, str]:
        """Running configurations of ``keys`` (in parallel); :class:`PlanError` naming
        every router that could not be read."""
        with self._lock:
            targets = [self._targets[k] for k in keys if k in self._targets]
        ops = self.ops()
        found: dict[str, str] = {}
        failed: list[str] = []

        def read(target: Target) -> None:
            try:
                found[target.name] = ops.read(target)
            except RouterError as exc:
                failed.append(exc.describe())

        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            list(pool.map(read, targets))
        if failed:
            reasons = "; ".join(sorted(failed))
            raise PlanError(f"could not read the running configuration of {reasons}")
        return found

    # -- apply / rollback -------------------------------------------------------------
    def push_phases(
        self, change: Change, phases: Sequence[Phase], ctx: jobs.StepContext
    ) -> dict[str, Any]:
        """Push each phase in order, verified; record the configurations before and after.

        The plan's first-phase lines must still be what the router needs (else the
        router changed since the plan: refused). A resumed job finds the configuration
        its first attempt read before pushing, and continues from the router's state.
        """
        target, device_id, tenant_id = self._target(ctx, change.key)
        ops = self.ops()
        platform = target.platform
        with ctx.read() as db:
            saved = backups.before_job(db, device_id=device_id, job_id=ctx.job_id)
            baseline = saved.content if saved else None
        current = ops.read(target)
        if baseline is None:
            baseline = current
            self._store(ctx, device_id, tenant_id, current, backups.Source.PRE_APPLY)
        if _diff(platform, baseline, phases[0], change.key).lines != phases[0].lines:
            raise RouterError(change.key, "the router changed since the plan; make a new plan")
        pushed = 0
        for phase in phases:
            needed = _diff(platform, current, phase, change.key)
            if needed.lines:
                current = ops.push(
                    target,
                    needed.lines,
                    verify=lambda text, phase=phase: _diff(platform, text, phase, change.key),
                    probes=phase.probes,
                )
            pushed += len(needed.lines)
            ctx.log(f"{change.key}: {phase.name}: {len(needed.lines)} line(s) pushed, verified")
        backup = self._store(ctx, device_id, tenant_id, current, backups.Source.POST_APPLY)
        return {"device": change.key, "lines": pushed, "backup": backup}

    def rollback(
        self, change: Change, applied: Mapping[str, Any] | None, ctx: jobs.StepContext
    ) -> None:
        """Restore the configuration the job read before pushing (nothing read: nothing
        pushed, only a Junos candidate to drop)."""
        target, device_id, tenant_id = self._target(ctx, change.key)
        with ctx.read() as db:
            baseline = backups.before_job(db, device_id=device_id, job_id=ctx.job_id)
            content = baseline.content if baseline else None
        if content is None:
            ctx.log(f"{change.key}: nothing was pushed; nothing to roll back")
            return
        readback, lines = self.ops().restore(target, content)
        self._store(ctx, device_id, tenant_id, readback, backups.Source.POST_ROLLBACK)
        ctx.log(f"{change.key}: rolled back to the configuration read before the push "
                f"({lines} line(s))", level="warning")

    def _target(self, ctx: jobs.StepContext, hostname: str) -> tuple[Target, int, int | None]:
        with ctx.read() as db:
            device = db.scalar(select(Device).where(Device.hostname == hostname))
            if device is None:
                raise RouterError(hostname, "no such device in the inventory")
            return (
                Target(intent.endpoint(device), device.credential_ref),
                device.id,
                device.tenant_id,
            )

    @staticmethod
    def _store(
        ctx: jobs.StepContext,
        device_id: int,
        tenant_id: int | None,
        content: str,
        source: backups.Source,
    ) -> int:
        with ctx.transaction() as db:
            backup = backups.store(
                db,
                device_id=device_id,
                tenant_id=tenant_id,
                content=content,
                source=source,
                job_id=ctx.job_id,
            )
            db.flush()
            return backup.id


class DeviceConfigReconciler(RouterReconciler):
    """Routers' running configuration versus their rendered intent."""

    kind = CONFIG_KIND

    def desired(self, db: Session) -> Mapping[str, intent.Intent]:
        """Every CE router's intent (or why it has none)."""
        found = intent.intents(db)
        self.remember(found.values())
        return found

    def compare(
        self, key: str, desired: intent.Intent | None, observed: str | None
    ) -> Change | None:
        """The lines that make the router's owned configuration the intended one."""
        if desired is None:
            return None  # a router Socle does not manage (a PE, a removed CE): left alone
        if desired.error is not None or desired.text is None:
            raise PlanError(desired.error or f"{key}: no intended configuration")
        if observed is None:
            raise PlanError(f"{key}: no running configuration")
        phase = Phase("config", desired.text, desired.owned_interfaces)
        found = _diff(desired.platform, observed, phase, key)
        if found.in_sync:
            return None
        return Change(
            key=key,
            action="update",
            summary=f"{len(found.lines)} line(s) to push: {len(found.missing)} missing, "
            f"{len(found.extra)} unexpected",
            diff=found.diff,
            data={"phases": [Phase(phase.name, phase.intended, phase.interfaces,
                                   found.lines).to_json()]},
        )

    def apply(self, change: Change, ctx: jobs.StepContext) -> Mapping[str, Any]:
        """Push the planned difference, read back, verify."""
        return self.push_phases(change, [Phase.from_json(p) for p in change.data["phases"]], ctx)


class MigrationReconciler(RouterReconciler):
    """Requested MPLS→THD migrations: one two-phase change per router."""

    kind = MIGRATION_KIND

    def desired(self, db: Session) -> Mapping[str, migrations.MigrationIntent]:
        """The make and break intents of every requested migration, by router."""
        found = migrations.intents(db)
        self.remember(i for m in found.values() for i in (m.make, m.final))
        return found

    def compare(
        self, key: str, desired: migrations.MigrationIntent | None, observed: str | None
    ) -> Change | None:
        """Phase 1 adds the THD access; phase 2 (from phase 1's result) removes MPLS."""
        if desired is None:
            return None
        for phase_intent in (desired.make, desired.final):
            if phase_intent.error is not None or phase_intent.text is None:
                raise PlanError(phase_intent.error or f"{key}: no intended configuration")
        if observed is None:
            raise PlanError(f"{key}: no running configuration")
        assert desired.make.text is not None and desired.final.text is not None
        make = Phase("make (THD access up)", desired.make.text, desired.make.owned_interfaces,
                     probes=desired.probes)
        final = Phase("break (MPLS access removed)", desired.final.text,
                      desired.final.owned_interfaces)
        first = _diff(desired.make.platform, observed, make, key)
        second = _diff(desired.make.platform, desired.make.text, final, key)
        phases = [
            Phase(make.name, make.intended, make.interfaces, first.lines, make.probes),
            Phase(final.name, final.intended, final.interfaces, second.lines),
        ]
        return Change(
            key=key,
            action="update",
            summary=f"migration {desired.migration_id} of site {desired.site} to THD: "
            f"1) {len(first.lines)} line(s) add {desired.circuit}, verified up; "
            f"2) {len(second.lines)} line(s) remove {', '.join(desired.replaced) or 'nothing'}",
            diff=f"# phase 1: {make.name}\n{first.diff}# phase 2: {final.name}\n{second.diff}",
            data={"migration_id": desired.migration_id,
                  "phases": [p.to_json() for p in phases]},
        )

    def apply(self, change: Change, ctx: jobs.StepContext) -> Mapping[str, Any]:
        """Make, verify the THD session, break; then record the migration as done."""
        result = self.push_phases(
            change, [Phase.from_json(p) for p in change.data["phases"]], ctx
        )
        with ctx.transaction() as db:
            migrations.complete(db, int(change.data["migration_id"]), job_id=ctx.job_id)
        ctx.log(f"{change.key}: migration {change.data['migration_id']} complete")
        return result


device_config = reconcile.register(DeviceConfigReconciler())
site_migration = reconcile.register(MigrationReconciler())
