"""The network inventory: providers, sites, devices, circuits and maintenance windows.

Plain functions taking the caller's session; every creation is audited in the same
transaction (``store.insert``: :class:`controlplane.rows.PlaneRows`). Listing functions
return the filtered ``select`` (scoping to the caller's tenant is added by the session).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from controlplane.tenants import of_tenant
from network import errors
from network.errors import store
from network.inventory.models import Circuit, Device, Maintenance, Provider, Site
from network.inventory.platforms import Platform, interface_error
from network.inventory.schemas import (
    Access,
    CircuitCreate,
    CircuitRead,
    DeviceCreate,
    DeviceRead,
    DeviceRole,
    MaintenanceCreate,
    MaintenanceRead,
    ProviderCreate,
    ProviderRead,
    SiteCreate,
    SiteRead,
)
from network.ipam.models import Vrf


def _contains(text: str) -> str:
    return f"%{text.strip().lower()}%"


# --- providers -----------------------------------------------------------------------


def create_provider(db: Session, data: ProviderCreate, *, actor: str) -> Provider:
    """Register a provider (409 if its name exists)."""

    def build() -> Provider:
        if store.find(db, Provider, data.name) is not None:
            raise errors.duplicate("provider", "name", data.name)
        return Provider(
            name=data.name,
            kind=data.kind.value,
            contract_ref=data.contract_ref,
            contacts=[c.model_dump(exclude_none=True) for c in data.contacts],
        )

    return store.insert(db, build, actor=actor, read=ProviderRead)


def provider_query(*, kind: Access | None = None, q: str | None = None) -> Select[tuple[Provider]]:
    """Providers by name, filtered by access kind and name."""
    stmt = select(Provider).order_by(Provider.name)
    if kind:
        stmt = stmt.where(Provider.kind == kind.value)
    if q:
        stmt = stmt.where(func.lower(Provider.name).like(_contains(q)))
    return stmt


# --- sites ---------------------------------------------------------------------------


def create_site(db: Session, data: SiteCreate, *, actor: str) -> Site:
    """Register a site of an establishment (409 if its code exists)."""
    owner = store.tenant(db, data.tenant)

    def build() -> Site:
        if store.find(db, Site, data.code) is not None:
            raise errors.duplicate("site", "code", data.code)
        return Site(
            tenant=owner,
            code=data.code,
            name=data.name,
            address=data.address,
            department=data.department or owner.department,
            access=data.access.value,
            service_class=data.service_class.value,
        )

    return store.insert(db, build, actor=actor, read=SiteRead)


def of_site(column: InstrumentedAttribute[Any], code: str) -> ColumnElement[bool]:
    """Filter: ``column`` (a site id) is the site with this code."""
    return column.in_(select(Site.id).where(Site.code == code.strip().upper()))


def site_accesses(db: Session, codes: Iterable[str]) -> dict[str, str]:
    """The access (``THD`` or ``MPLS``) of each site code the session may see."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return dict(db.execute(select(Site.code, Site.access).where(Site.code.in_(wanted))).all())


def site_query(
    *,
    tenant: str | None = None,
    department: str | None = None,
    access: Access | None = None,
    service_class: str | None = None,
    q: str | None = None,
) -> Select[tuple[Site]]:
    """Sites by code, filtered by tenant FINESS, department, access, service class, text."""
    stmt = select(Site).order_by(Site.code)
    if tenant:
        stmt = stmt.where(of_tenant(Site.tenant_id, tenant))
    if department:
        stmt = stmt.where(Site.department == department.strip().upper())
    if access:
        stmt = stmt.where(Site.access == access.value)
    if service_class:
        stmt = stmt.where(Site.service_class == service_class)
    if q:
        pattern = _contains(q)
        stmt = stmt.where(
            or_(func.lower(Site.name).like(pattern), func.lower(Site.code).like(pattern))
        )
    return stmt


# --- devices -------------------------------------------------------------------------


def create_device(db: Session, data: DeviceCreate, *, actor: str) -> Device:
    """Register a router: a CE at a site (its tenant's), or a regional PE."""
    site = store.reference(db, Site, data.site, field="site") if data.site else None
    if data.lan_interface is not None:
        if site is None:
            raise errors.invalid("lan_interface", "only a CE at a site has a LAN interface")
        if (reason := interface_error(data.platform, data.lan_interface)) is not None:
            raise errors.invalid("lan_interface", reason)

    def build() -> Device:
        if store.find(db, Device, data.hostname) is not None:
            raise errors.duplicate("device", "hostname", data.hostname)
        return Device(
            hostname=data.hostname,
            role=data.role.value,
            platform=data.platform.value,
            site=site,
            tenant=site.tenant if site else None,
            mgmt_address=data.mgmt_address,
            mgmt_port=data.mgmt_port,
            username=data.username,
            credential_ref=data.credential_ref,
            asn=data.asn,
            lan_interface=data.lan_interface,
        )

    return store.insert(db, build, actor=actor, read=DeviceRead)


def device_query(
    *,
    tenant: str | None = None,
    site: str | None = None,
    role: DeviceRole | None = None,
    platform: Platform | None = None,
) -> Select[tuple[Device]]:
    """Devices by hostname, filtered by tenant FINESS, site code, role and platform."""
    stmt = select(Device).order_by(Device.hostname)
    if tenant:
        stmt = stmt.where(of_tenant(Device.tenant_id, tenant))
    if site:
        stmt = stmt.where(of_site(Device.site_id, site))
    if role:
        stmt = stmt.where(Device.role == role.value)
    if platform:
        stmt = stmt.where(Device.platform == platform.value)
    return stmt


# --- circuits ------------------------------------------------------------------------


def _end(
    db: Session, hostname: str | None, *, field: str, role: DeviceRole, site: Site
) -> Device | None:
    """The device at one end of a circuit: the site's CE (A) or a PE (Z)."""
    if hostname is None:
        return None
    device = store.reference(db, Device, hostname, field=field)
    if device.role != role.value:
        raise errors.invalid(field, f"{hostname} is a {device.role}; this end needs a {role}")
    if role is DeviceRole.CE and device.site_id != site.id:
        raise errors.invalid(field, f"{hostname} is not at site {site.code}")
    return device


def _interface(field: str, name: str | None, device: Device | None) -> None:
    if name is None:
        return
    if device is None:
        raise errors.invalid(field, "an interface needs the device at that end")
    if (reason := interface_error(Platform(device.platform), name)) is not None:
        raise errors.invalid(field, reason)


def create_circuit(db: Session, data: CircuitCreate, *, actor: str) -> Circuit:
    """Register a circuit; its provider must sell the circuit's access (MPLS or THD)."""
    provider = store.reference(db, Provider, data.provider, field="provider")
    site = store.reference(db, Site, data.site, field="site")
    access = data.access or Access(site.access)
    if provider.kind != access.value:
        raise errors.invalid(
            "provider", f"{provider.name} sells {provider.kind} access, not {access}"
        )
    a_device = _end(db, data.a_device, field="a_device", role=DeviceRole.CE, site=site)
    z_device = _end(db, data.z_device, field="z_device", role=DeviceRole.PE, site=site)
    _interface("a_interface", data.a_interface, a_device)
    _interface("z_interface", data.z_interface, z_device)
    vrf = store.reference(db, Vrf, data.vrf, field="vrf") if data.vrf else None
    if vrf is not None and vrf.tenant_id != site.tenant_id:
        raise errors.invalid("vrf", f"VRF {vrf.name} is not a VRF of the site's tenant")

    def build() -> Circuit:
        if store.find(db, Circuit, data.ref) is not None:
            raise errors.duplicate("circuit", "ref", data.ref)
        return Circuit(
            ref=data.ref,
            provider=provider,
            site=site,
            tenant=site.tenant,
            a_device=a_device,
            z_device=z_device,
            a_interface=data.a_interface,
            z_interface=data.z_interface,
            vlan=data.vlan,
            access=access.value,
            bandwidth_mbps=data.bandwidth_mbps,
            committed_mbps=data.committed_mbps,
            cos_profile=data.cos_profile.value,
            sla_class=data.sla_class.value,
            status=data.status.value,
            vrf=vrf,
        )

    return store.insert(db, build, actor=actor, read=CircuitRead)


def _provider_ids(name: str) -> Select[tuple[int]]:
    return select(Provider.id).where(Provider.name == name)


def circuit_query(
    *,
    tenant: str | None = None,
    site: str | None = None,
    provider: str | None = None,
    access: Access | None = None,
    status: str | None = None,
    sla_class: str | None = None,
) -> Select[tuple[Circuit]]:
    """Circuits by ref, filtered by tenant FINESS, site code, provider name, access,
    status and SLA class."""
    stmt = select(Circuit).order_by(Circuit.ref)
    if tenant:
        stmt = stmt.where(of_tenant(Circuit.tenant_id, tenant))
    if site:
        stmt = stmt.where(of_site(Circuit.site_id, site))
    if provider:
        stmt = stmt.where(Circuit.provider_id.in_(_provider_ids(provider)))
    if access:
        stmt = stmt.where(Circuit.access == access.value)
    if status:
        stmt = stmt.where(Circuit.status == status)
    if sla_class:
        stmt = stmt.where(Circuit.sla_class == sla_class)
    return stmt


# --- maintenance windows -------------------------------------------------------------


def create_maintenance(db: Session, data: MaintenanceCreate, *, actor: str) -> Maintenance:
    """Plan a maintenance window on a circuit or on a provider's whole network."""
    circuit = store.reference(db, Circuit, data.circuit, field="circuit") if data.circuit else None
    provider = (
        store.reference(db, Provider, data.provider, field="provider") if data.provider else None
    )

    def build() -> Maintenance:
        return Maintenance(
            circuit=circuit,
            provider=provider,
            tenant=circuit.tenant if circuit else None,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            reason=data.reason,
        )

    return store.insert(db, build, actor=actor, read=MaintenanceRead)


def maintenance_query(
    *,
    tenant: str | None = None,
    provider: str | None = None,
    circuit: str | None = None,
    at: datetime | None = None,
) -> Select[tuple[Maintenance]]:
    """Windows by start, filtered by tenant FINESS, provider (its own windows and its
    circuits'), circuit ref, and ``at`` (windows open at that instant)."""
    stmt = select(Maintenance).order_by(Maintenance.starts_at, Maintenance.id)
    if tenant:
        stmt = stmt.where(of_tenant(Maintenance.tenant_id, tenant))
    if provider:
        stmt = stmt.where(
            or_(
                Maintenance.provider_id.in_(_provider_ids(provider)),
                Maintenance.circuit_id.in_(
                    select(Circuit.id).where(Circuit.provider_id.in_(_provider_ids(provider)))
                ),
            )
        )
    if circuit:
        stmt = stmt.where(
            Maintenance.circuit_id.in_(select(Circuit.id).where(Circuit.ref == circuit))
        )
    if at:
        stmt = stmt.where(Maintenance.starts_at <= at, Maintenance.ends_at > at)
    return stmt
