"""MPLS→THD migration of a site, as a planned change done make-before-break.

A migration is requested for a site on MPLS and a THD circuit (status ``planned``)
ending on the same CE router as the site's MPLS access, in the same VRF. Its plan (kind
``network.site-migration``) has one change per router in two ordered phases, applied
in that order by one job step on that router:

1. *make*: the router rendered as if the THD circuit were active (interface, BGP session
   to the THD PE, QoS) is pushed and verified, then the new BGP session is probed
   (on a real router: Established; on the simulator: the configured neighbour answers);
2. *break*: the router rendered with the MPLS circuits retired is pushed and verified.

Only then is the inventory changed (THD circuit active, MPLS circuits decommissioned,
site on THD, migration completed). Any failure restores the router's configuration
from before phase 1, so the MPLS access is never removed before THD is up.
Choice: one two-phase change per router rather than two changes, because the
reconcile job applies changes in parallel and the order between phases must hold.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane import audit
from controlplane.db import utcnow
from controlplane.models import Job
from network import errors
from network.config import intent, render
from network.config.models import Migration
from network.config.router_ops import Probe
from network.config.schemas import MigrationCreate, MigrationRead
from network.errors import store
from network.inventory.models import Circuit, Site
from network.inventory.schemas import Access, CircuitRead, CircuitStatus, SiteRead
from network.ipam.models import Prefix


class MigrationState(StrEnum):
    """Where a migration is."""

    REQUESTED = "requested"
    COMPLETED = "completed"


# How each platform shows one BGP session of a VRF, and what "up" looks like there.
_BGP_PROBES = {
    "cisco_ios": ("show bgp vpnv4 unicast vrf {vrf} neighbors {peer}", r"BGP state = Established"),
    "juniper_junos": ("show bgp neighbor {peer} instance {vrf}", r"State: Established"),
}


@dataclass(frozen=True)
class MigrationIntent:
    """A requested migration seen from its router: the intent after each phase."""

    migration_id: int
    site: str
    circuit: str
    replaced: tuple[str, ...]
    make: intent.Intent
    final: intent.Intent
    probes: tuple[Probe, ...]


def _mpls_access(db: Session, site: Site, device_id: int | None) -> list[Circuit]:
    stmt = select(Circuit).where(
        Circuit.site_id == site.id,
        Circuit.access == Access.MPLS.value,
        Circuit.status == CircuitStatus.ACTIVE.value,
    )
    circuits = list(db.scalars(stmt.order_by(Circuit.ref)))
    return [c for c in circuits if device_id is None or c.a_device_id == device_id]


def _check(db: Session, site: Site, circuit: Circuit) -> None:
    """Refuse (422/409, naming the field) a migration that cannot be made before break."""
    if site.access != Access.MPLS.value:
        raise errors.conflict(
            errors.MIGRATION_STATE, "site", f"site {site.code} is on {site.access}"
        )
    problems = [
        (circuit.site_id != site.id, f"circuit {circuit.ref} is not at site {site.code}"),
        (circuit.access != Access.THD.value, f"circuit {circuit.ref} is not a THD circuit"),
        (
            circuit.status != CircuitStatus.PLANNED.value,
            f"circuit {circuit.ref} is {circuit.status}, not planned",
        ),
        (circuit.a_device_id is None, f"circuit {circuit.ref} has no CE router (a_device)"),
    ]
    for failed, message in problems:
        if failed:
            raise errors.invalid("circuit", message)
    mpls = _mpls_access(db, site, None)
    if not mpls:
        raise errors.invalid("site", f"site {site.code} has no active MPLS circuit")
    for old in mpls:
        if old.a_device_id != circuit.a_device_id:
            raise errors.invalid("circuit", f"circuit {circuit.ref} must end on the CE of the MPLS "
                                 f"access {old.ref}: make-before-break happens on one router")
        if old.vrf_id != circuit.vrf_id:
            raise errors.invalid(
                "circuit", f"circuit {circuit.ref} must carry the VRF of {old.ref}"
            )
    open_one = db.scalar(
        select(Migration.id).where(
            Migration.site_id == site.id, Migration.state == MigrationState.REQUESTED.value
        )
    )
    if open_one is not None:
        raise errors.conflict(
            errors.MIGRATION_STATE, "site", f"migration {open_one} of site {site.code} is open"
        )


def request(db: Session, data: MigrationCreate, *, actor: str) -> Migration:
    """Record a requested migration (audited); its plan comes from the reconciler."""
    site = store.reference(db, Site, data.site, field="site")
    circuit = store.reference(db, Circuit, data.circuit, field="circuit")
    _check(db, site, circuit)

    def build() -> Migration:
        return Migration(
            site=site,
            tenant=site.tenant,
            circuit=circuit,
            state=MigrationState.REQUESTED.value,
            requested_by=actor,
        )

    return store.insert(db, build, actor=actor, read=MigrationRead, verb="request")


def _probes(db: Session, circuit: Circuit) -> tuple[Probe, ...]:
    command, expect = _BGP_PROBES.get(circuit.a_device.platform if circuit.a_device else "",
                                      ("", ""))
    prefix = db.scalar(select(Prefix.prefix).where(Prefix.circuit_id == circuit.id,
                                                  Prefix.family == 4))
    if not command or prefix is None or circuit.vrf is None:
        return ()
    _ce, peer = render.interconnect_hosts(ipaddress.IPv4Network(prefix))
    return (
        Probe(command.format(vrf=circuit.vrf.name, peer=peer), expect,
              f"the BGP session to {peer} over {circuit.ref}"),
    )


def intents(db: Session) -> dict[str, MigrationIntent]:
    """Every requested migration by router hostname."""
    found: dict[str, MigrationIntent] = {}
    stmt = select(Migration).where(Migration.state == MigrationState.REQUESTED.value)
    for migration in db.scalars(stmt.order_by(Migration.id)):
        circuit = migration.circuit
        if circuit.a_device is None:
            continue
        hostname = circuit.a_device.hostname
        old = _mpls_access(db, migration.site, circuit.a_device_id)
        make = {circuit.id: CircuitStatus.ACTIVE}
        final = {**make, **{c.id: CircuitStatus.DECOMMISSIONED for c in old}}
        found[hostname] = MigrationIntent(
            migration_id=migration.id,
            site=migration.site.code,
            circuit=circuit.ref,
            replaced=tuple(c.ref for c in old),
            make=intent.intents(db, hostnames=[hostname], statuses=make)[hostname],
            final=intent.intents(db, hostnames=[hostname], statuses=final)[hostname],
            probes=_probes(db, circuit),
        )
    return found


def complete(db: Session, migration_id: int, *, job_id: int) -> Migration:
    """Record a migration done by job ``job_id``: circuits, site and migration change."""
    migration = store.get(db, Migration, migration_id)
    if migration.state == MigrationState.COMPLETED.value:
        return migration
    job = db.get(Job, job_id)
    actor = job.created_by if job else f"job:{job_id}"
    circuit, site = migration.circuit, migration.site
    for old in _mpls_access(db, site, circuit.a_device_id):
        _set(db, old, actor, CircuitRead, status=CircuitStatus.DECOMMISSIONED.value)
    _set(db, circuit, actor, CircuitRead, status=CircuitStatus.ACTIVE.value)
    _set(db, site, actor, SiteRead, access=Access.THD.value)
    before = MigrationRead.model_validate(migration).model_dump(mode="json")
    migration.state = MigrationState.COMPLETED.value
    migration.completed_at = utcnow()
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="network.migration.complete",
        target_type="network.migration",
        target_id=migration.id,
        tenant_finess=migration.tenant.finess,
        before=before,
        after=MigrationRead.model_validate(migration).model_dump(mode="json"),
    )
    return migration


def _set(db: Session, row: Circuit | Site, actor: str, read: type[CircuitRead] | type[SiteRead],
         **values: str) -> None:
    before = read.model_validate(row).model_dump(mode="json")
    for name, value in values.items():
        setattr(row, name, value)
    db.flush()
    store.record(db, row, actor=actor, verb="update", read=read, before=before)
