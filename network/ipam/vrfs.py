"""VRFs: the shared-services VRF and one VRF per tenant service, with RD and RT
allocated as ``ASN:N`` from the GCS's AS number (``SOCLE_NETWORK_ASN``) and the
hub-and-spoke import/export policy of :mod:`network.ipam.vpn`."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from controlplane.models import Tenant
from controlplane.settings import get_settings
from controlplane.tenants import of_tenant
from network import errors
from network.errors import store
from network.ipam import vpn
from network.ipam.models import Vrf
from network.ipam.schemas import VrfCreate, VrfRead, VrfUpdate
from network.ipam.vpn import VrfKind


def _numbers_in_use(db: Session, asn: int, *explicit: str | None) -> set[int]:
    """N of every ``ASN:N`` RD or RT already taken under ``asn`` (and asked for now)."""
    values = [v for row in db.execute(select(Vrf.rd, Vrf.route_target)) for v in row]
    values += [v for v in explicit if v is not None]
    return {number for value_asn, number in map(vpn.parse_value, values) if value_asn == asn}


def _check_explicit(db: Session, data: VrfCreate, asn: int) -> None:
    """Refuse (409) an RD or RT given explicitly that another VRF (or the policy) uses."""
    if data.rd and (owner := db.scalar(select(Vrf.name).where(Vrf.rd == data.rd))):
        raise errors.conflict(errors.RD_COLLISION, "rd", f"{data.rd} is the RD of VRF {owner}")
    if data.route_target in vpn.reserved_targets(asn):
        raise errors.conflict(
            errors.RT_COLLISION,
            "route_target",
            f"{data.route_target} is reserved for the hub-and-spoke policy",
        )
    if data.route_target and (
        owner := db.scalar(select(Vrf.name).where(Vrf.route_target == data.route_target))
    ):
        raise errors.conflict(
            errors.RT_COLLISION, "route_target", f"{data.route_target} is the RT of VRF {owner}"
        )


def _next_value(db: Session, asn: int, data: VrfCreate) -> str:
    """The lowest free ``ASN:N`` (N ≥ 100), counting the values this request gives."""
    used = _numbers_in_use(db, asn, data.rd, data.route_target)
    number = vpn.lowest_free(used, vpn.number_limit(asn))
    if number is None:
        raise errors.conflict(
            errors.VPN_NUMBERS_EXHAUSTED, "rd", f"no ASN:N value left under AS {asn}"
        )
    return vpn.format_value(asn, number)


def create_vrf(db: Session, data: VrfCreate, *, actor: str, asn: int | None = None) -> Vrf:
    """Create a VRF; RD and RT not given are allocated (lowest free ``ASN:N``, N ≥ 100)."""
    asn = asn if asn is not None else get_settings().network_asn
    owner: Tenant | None = store.tenant(db, data.tenant) if data.tenant else None

    def build() -> Vrf:
        if store.find(db, Vrf, data.name) is not None:
            raise errors.duplicate("vrf", "name", data.name)
        same_service = select(Vrf.id).where(
            Vrf.service == data.service,
            Vrf.tenant_id == owner.id if owner else Vrf.tenant_id.is_(None),
        )
        if db.scalar(same_service) is not None:
            raise errors.duplicate("vrf", "service", data.service)
        _check_explicit(db, data, asn)
        if data.rd and data.route_target:
            rd, route_target = data.rd, data.route_target
        else:
            fresh = _next_value(db, asn, data)
            rd, route_target = data.rd or fresh, data.route_target or fresh
        imports, exports = vpn.policy(data.kind, route_target, asn)
        return Vrf(
            name=data.name,
            kind=data.kind.value,
            tenant=owner,
            service=data.service,
            rd=rd,
            route_target=route_target,
            import_targets=imports,
            export_targets=exports,
        )

    return store.insert(db, build, actor=actor, read=VrfRead)


def vrf_query(
    *, tenant: str | None = None, kind: VrfKind | None = None, service: str | None = None
) -> Select[tuple[Vrf]]:
    """VRFs by name, filtered by tenant FINESS, kind and service."""
    stmt = select(Vrf).order_by(Vrf.name)
    if tenant:
        stmt = stmt.where(of_tenant(Vrf.tenant_id, tenant))
    if kind:
        stmt = stmt.where(Vrf.kind == kind.value)
    if service:
        stmt = stmt.where(Vrf.service == service)
    return stmt


def as_policy(vrf: Vrf) -> vpn.VrfPolicy:
    """The part of a VRF that decides what it reaches."""
    return vpn.VrfPolicy(
        name=vrf.name,
        kind=VrfKind(vrf.kind),
        tenant=vrf.tenant.finess if vrf.tenant else None,
        imports=frozenset(vrf.import_targets),
        exports=frozenset(vrf.export_targets),
    )


# --- VRFs ----------------------------------------------------------------------------


def update_vrf(db: Session, vrf: Vrf, data: VrfUpdate, *, actor: str) -> Vrf:
    """Renumber a VRF: a new RD and/or route target, free (409 naming the VRF using it)
    and not reserved; its import/export policy is recomputed from the new target."""
    asn = get_settings().network_asn
    rd = data.rd or vrf.rd
    route_target = data.route_target or vrf.route_target
    others = select(Vrf.name).where(Vrf.id != vrf.id)
    if data.rd and (owner := db.scalar(others.where(Vrf.rd == rd))):
        raise errors.conflict(errors.RD_COLLISION, "rd", f"{rd} is the RD of VRF {owner}")
    if data.route_target:
        if route_target in vpn.reserved_targets(asn):
            raise errors.conflict(errors.RT_COLLISION, "route_target",
                                  f"{route_target} is reserved for the hub-and-spoke policy")
        if owner := db.scalar(others.where(Vrf.route_target == route_target)):
            raise errors.conflict(errors.RT_COLLISION, "route_target",
                                  f"{route_target} is the RT of VRF {owner}")
    imports, exports = vpn.policy(VrfKind(vrf.kind), route_target, asn)
    values = {"rd": rd, "route_target": route_target, "import_targets": imports,
              "export_targets": exports}
    return store.update(db, vrf, values, actor=actor, read=VrfRead)
