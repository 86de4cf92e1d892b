"""``socle network provider|site|device|circuit|maintenance ...``: the inventory from
the command line.

Each kind has ``create``, ``list`` (``--json`` for scripts) and ``show`` (by its
natural key: provider name, site code, hostname, circuit ref); providers, sites,
devices and circuits also ``update`` (only the options given change; nothing given is
an error) and ``delete`` (refused, exit code 4, while others refer to the object, which
are listed). The commands call the same service functions as the API (the same checks
and audit records), with the CLI's full scope, audited as the local user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from pydantic import BaseModel

from controlplane.cli.common import (
    JsonOption,
    console,
    emit_item,
    emit_query,
    emit_row,
    handle_errors,
    local_actor,
    sub_app,
    transaction,
)
from network.errors import store
from network.inventory import changes
from network.inventory import service as inventory
from network.inventory.models import Circuit, Device, Maintenance, Provider, Site
from network.inventory.platforms import Platform
from network.inventory.schemas import (
    Access,
    CircuitCreate,
    CircuitRead,
    CircuitStatus,
    CircuitUpdate,
    Contact,
    CosProfile,
    DeviceCreate,
    DeviceRead,
    DeviceRole,
    DeviceUpdate,
    MaintenanceCreate,
    MaintenanceRead,
    ProviderCreate,
    ProviderRead,
    ProviderUpdate,
    ServiceClass,
    SiteCreate,
    SiteRead,
    SiteUpdate,
    SlaClass,
    normalize_hostname,
    normalize_site_code,
)
from network.secrets import SECRETS

app = typer.Typer()


provider_app = sub_app(app, "provider", "Telecom providers (MPLS operators, THD network).")
site_app = sub_app(app, "site", "Sites of establishments.")
device_app = sub_app(app, "device", "Routers (CE at sites, regional PE).")
circuit_app = sub_app(app, "circuit", "Access circuits.")
maintenance_app = sub_app(app, "maintenance", "Maintenance windows.")


def _normal(normalize: Callable[[str], str], key: str) -> str:
    """``key`` as stored; a malformed one is looked up as typed (and is not found)."""
    try:
        return normalize(key)
    except ValueError:
        return key


def _given(**options: Any) -> dict[str, Any]:
    """The options given on the command line (an update changes only those)."""
    return {name: value for name, value in options.items() if value is not None}


def _delete(model: type[Any], key: str, read: type[BaseModel]) -> None:
    """Remove the row ``key`` names (exit 4 listing what still refers to it)."""
    with transaction() as db:
        store.delete(db, store.by_key(db, model, key), actor=local_actor(), read=read)
    console.print(f"{model.__kind__} {key} deleted")


# --- providers -----------------------------------------------------------------------


def _contact(text: str) -> Contact:
    name, email, phone = ([*text.split(","), None, None])[:3]
    return Contact(name=name, email=email or None, phone=phone or None)


@provider_app.command("create")
@handle_errors
def provider_create(
    name: str = typer.Option(...),
    kind: Access = typer.Option(..., case_sensitive=False, help="Access sold: MPLS or THD."),
    contract_ref: str = typer.Option(..., help="Contract reference."),
    contact: list[str] = typer.Option([], help="NAME[,EMAIL[,PHONE]]; repeat for several."),
    as_json: bool = JsonOption,
) -> None:
    """Register a provider."""
    data = ProviderCreate(
        name=name, kind=kind, contract_ref=contract_ref, contacts=[_contact(c) for c in contact]
    )
    emit_row(lambda db: inventory.create_provider(db, data, actor=local_actor()), ProviderRead,
             as_json, write=True)


@provider_app.command("list")
@handle_errors
def provider_list(
    kind: Access | None = typer.Option(None, case_sensitive=False), as_json: bool = JsonOption
) -> None:
    """List providers."""
    emit_query(inventory.provider_query(kind=kind), ProviderRead, as_json, title="Providers",
               columns=["id", "name", "kind", "contract_ref"])


@provider_app.command("show")
@handle_errors
def provider_show(name: str, as_json: bool = JsonOption) -> None:
    """Show a provider."""
    emit_row(lambda db: store.by_key(db, Provider, name), ProviderRead, as_json,
             write=False)


@provider_app.command("update")
@handle_errors
def provider_update(
    name: str,
    new_name: str | None = typer.Option(None, "--name", help="New name."),
    contract_ref: str | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    """Rename a provider or change its contract reference."""
    data = ProviderUpdate(**_given(name=new_name, contract_ref=contract_ref))
    emit_row(lambda db: changes.update_provider(db, store.by_key(db, Provider, name), data,
                                                actor=local_actor()),
             ProviderRead, as_json, write=True)


@provider_app.command("delete")
@handle_errors
def provider_delete(name: str) -> None:
    """Remove a provider nothing refers to."""
    _delete(Provider, name, ProviderRead)


# --- sites ---------------------------------------------------------------------------


@site_app.command("create")
@handle_errors
def site_create(
    tenant: str = typer.Option(..., help="FINESS of the establishment."),
    code: str = typer.Option(..., help="Unique site code, e.g. 69-CHR-LYON."),
    name: str = typer.Option(...),
    address: str = typer.Option(...),
    access: Access = typer.Option(..., case_sensitive=False),
    service_class: ServiceClass = typer.Option(ServiceClass.SILVER),
    department: str | None = typer.Option(None, help="Defaults to the tenant's."),
    as_json: bool = JsonOption,
) -> None:
    """Register a site of an establishment."""
    data = SiteCreate(
        tenant=tenant,
        code=code,
        name=name,
        address=address,
        access=access,
        service_class=service_class,
        department=department,
    )
    emit_row(lambda db: inventory.create_site(db, data, actor=local_actor()), SiteRead, as_json,
             write=True)


@site_app.command("list")
@handle_errors
def site_list(
    tenant: str | None = typer.Option(None, help="FINESS."),
    department: str | None = typer.Option(None),
    access: Access | None = typer.Option(None, case_sensitive=False),
    as_json: bool = JsonOption,
) -> None:
    """List sites."""
    emit_query(inventory.site_query(tenant=tenant, department=department, access=access), SiteRead,
               as_json, title="Sites",
               columns=["id", "code", "name", "tenant", "department", "access", "service_class"])


@site_app.command("show")
@handle_errors
def site_show(code: str, as_json: bool = JsonOption) -> None:
    """Show a site."""
    emit_row(lambda db: store.by_key(db, Site, _normal(normalize_site_code, code)), SiteRead,
             as_json, write=False)


@site_app.command("update")
@handle_errors
def site_update(
    code: str,
    name: str | None = typer.Option(None),
    address: str | None = typer.Option(None),
    department: str | None = typer.Option(None, help="01-95, 2A, 2B or 971-976."),
    service_class: ServiceClass | None = typer.Option(None, case_sensitive=False),
    as_json: bool = JsonOption,
) -> None:
    """Rename a site, change its address, department or service class."""
    data = SiteUpdate(**_given(name=name, address=address, department=department,
                               service_class=service_class))
    key = _normal(normalize_site_code, code)
    emit_row(lambda db: changes.update_site(db, store.by_key(db, Site, key), data,
                                            actor=local_actor()),
             SiteRead, as_json, write=True)


@site_app.command("delete")
@handle_errors
def site_delete(code: str) -> None:
    """Remove a site with no device, circuit or prefix left."""
    _delete(Site, _normal(normalize_site_code, code), SiteRead)


# --- devices -------------------------------------------------------------------------


@device_app.command("create")
@handle_errors
def device_create(
    hostname: str = typer.Option(...),
    role: DeviceRole = typer.Option(..., case_sensitive=False),
    platform: Platform = typer.Option(...),
    mgmt_address: str = typer.Option(..., help="IPv4 or IPv6 management address."),
    username: str = typer.Option(...),
    credential_ref: str = typer.Option(
        ..., help=f"Where the password is: {SECRETS.form}; never the secret."),
    site: str | None = typer.Option(None, help="Site code (CE only)."),
    mgmt_port: int = typer.Option(22),
    asn: int | None = typer.Option(None),
    lan_interface: str | None = typer.Option(None, help="CE: the interface facing the LAN."),
    as_json: bool = JsonOption,
) -> None:
    """Register a router."""
    data = DeviceCreate(
        hostname=hostname,
        role=role,
        platform=platform,
        site=site,
        mgmt_address=mgmt_address,
        mgmt_port=mgmt_port,
        username=username,
        credential_ref=credential_ref,
        asn=asn,
        lan_interface=lan_interface,
    )
    emit_row(lambda db: inventory.create_device(db, data, actor=local_actor()), DeviceRead, as_json,
             write=True)


@device_app.command("list")
@handle_errors
def device_list(
    tenant: str | None = typer.Option(None, help="FINESS."),
    site: str | None = typer.Option(None, help="Site code."),
    role: DeviceRole | None = typer.Option(None, case_sensitive=False),
    platform: Platform | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    """List devices."""
    emit_query(inventory.device_query(tenant=tenant, site=site, role=role, platform=platform),
               DeviceRead, as_json, title="Devices",
               columns=["id", "hostname", "role", "platform", "site", "mgmt_address",
                        "credential_ref"])


@device_app.command("show")
@handle_errors
def device_show(hostname: str, as_json: bool = JsonOption) -> None:
    """Show a device."""
    emit_row(lambda db: store.by_key(db, Device, _normal(normalize_hostname, hostname)), DeviceRead,
             as_json, write=False)


@device_app.command("update")
@handle_errors
def device_update(
    hostname: str,
    platform: Platform | None = typer.Option(None),
    mgmt_address: str | None = typer.Option(None),
    mgmt_port: int | None = typer.Option(None),
    username: str | None = typer.Option(None),
    credential_ref: str | None = typer.Option(None, help=SECRETS.form),
    asn: int | None = typer.Option(None),
    lan_interface: str | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    """Re-address a router, change its platform, credential reference, AS or LAN port."""
    data = DeviceUpdate(**_given(
        platform=platform, mgmt_address=mgmt_address, mgmt_port=mgmt_port,
        username=username, credential_ref=credential_ref, asn=asn,
        lan_interface=lan_interface))
    key = _normal(normalize_hostname, hostname)
    emit_row(lambda db: changes.update_device(db, store.by_key(db, Device, key), data,
                                              actor=local_actor()),
             DeviceRead, as_json, write=True)


@device_app.command("delete")
@handle_errors
def device_delete(hostname: str) -> None:
    """Remove a router no circuit, backup or monitor refers to."""
    _delete(Device, _normal(normalize_hostname, hostname), DeviceRead)


# --- circuits ------------------------------------------------------------------------


@circuit_app.command("create")
@handle_errors
def circuit_create(
    ref: str = typer.Option(..., help="Provider's circuit reference."),
    provider: str = typer.Option(..., help="Provider name."),
    site: str = typer.Option(..., help="Site code (A end)."),
    bandwidth: int = typer.Option(..., help="Mbit/s."),
    committed: int = typer.Option(..., help="Committed rate, Mbit/s (≤ bandwidth)."),
    a_device: str | None = typer.Option(None, help="CE hostname."),
    z_device: str | None = typer.Option(None, help="PE hostname."),
    a_interface: str | None = typer.Option(None),
    z_interface: str | None = typer.Option(None),
    vlan: int | None = typer.Option(None),
    access: Access | None = typer.Option(None, case_sensitive=False, help="Default: site's."),
    cos_profile: CosProfile = typer.Option(CosProfile.BUSINESS),
    sla_class: SlaClass = typer.Option(SlaClass.STANDARD),
    status: CircuitStatus = typer.Option(CircuitStatus.PLANNED),
    vrf: str | None = typer.Option(None, help="The tenant VRF the circuit carries."),
    as_json: bool = JsonOption,
) -> None:
    """Register a circuit."""
    data = CircuitCreate(
        ref=ref,
        provider=provider,
        site=site,
        a_device=a_device,
        z_device=z_device,
        a_interface=a_interface,
        z_interface=z_interface,
        vlan=vlan,
        access=access,
        bandwidth_mbps=bandwidth,
        committed_mbps=committed,
        cos_profile=cos_profile,
        sla_class=sla_class,
        status=status,
        vrf=vrf,
    )
    emit_row(lambda db: inventory.create_circuit(db, data, actor=local_actor()), CircuitRead,
             as_json, write=True)


@circuit_app.command("list")
@handle_errors
def circuit_list(
    tenant: str | None = typer.Option(None, help="FINESS."),
    site: str | None = typer.Option(None, help="Site code."),
    provider: str | None = typer.Option(None, help="Provider name."),
    access: Access | None = typer.Option(None, case_sensitive=False),
    as_json: bool = JsonOption,
) -> None:
    """List circuits."""
    emit_query(inventory.circuit_query(
            tenant=tenant, site=site, provider=provider, access=access
        ), CircuitRead, as_json, title="Circuits",
               columns=[
            "id",
            "ref",
            "provider",
            "site",
            "access",
            "bandwidth_mbps",
            "committed_mbps",
            "sla_class",
            "status",
        ])


@circuit_app.command("show")
@handle_errors
def circuit_show(ref: str, as_json: bool = JsonOption) -> None:
    """Show a circuit."""
    emit_row(lambda db: store.by_key(db, Circuit, ref), CircuitRead, as_json,
             write=False)


@circuit_app.command("update")
@handle_errors
def circuit_update(
    ref: str,
    bandwidth: int | None = typer.Option(None, help="Mbit/s."),
    committed: int | None = typer.Option(None, help="Committed rate, Mbit/s."),
    cos_profile: CosProfile | None = typer.Option(None),
    sla_class: SlaClass | None = typer.Option(None),
    status: CircuitStatus | None = typer.Option(None),
    a_interface: str | None = typer.Option(None),
    z_interface: str | None = typer.Option(None),
    vlan: int | None = typer.Option(None),
    vrf: str | None = typer.Option(None, help="The tenant VRF the circuit carries."),
    as_json: bool = JsonOption,
) -> None:
    """Change a circuit's rates, profile, SLA class, status, ports, VLAN or VRF."""
    data = CircuitUpdate(**_given(
        bandwidth_mbps=bandwidth, committed_mbps=committed, cos_profile=cos_profile,
        sla_class=sla_class, status=status, a_interface=a_interface,
        z_interface=z_interface, vlan=vlan, vrf=vrf))
    emit_row(lambda db: changes.update_circuit(db, store.by_key(db, Circuit, ref), data,
                                               actor=local_actor()),
             CircuitRead, as_json, write=True)


@circuit_app.command("delete")
@handle_errors
def circuit_delete(ref: str) -> None:
    """Remove a circuit with no prefix, window, measurement or migration left."""
    _delete(Circuit, ref, CircuitRead)


# --- maintenance windows -------------------------------------------------------------


@maintenance_app.command("create")
@handle_errors
def maintenance_create(
    starts_at: str = typer.Option(..., help="ISO 8601 with zone, e.g. 2026-12-01T22:00+01:00."),
    ends_at: str = typer.Option(..., help="ISO 8601 with zone."),
    reason: str = typer.Option(...),
    circuit: str | None = typer.Option(None, help="Circuit ref."),
    provider: str | None = typer.Option(None, help="Provider name (whole network)."),
    as_json: bool = JsonOption,
) -> None:
    """Plan a maintenance window on a circuit or a provider."""
    data = MaintenanceCreate(
        circuit=circuit, provider=provider, starts_at=starts_at, ends_at=ends_at, reason=reason
    )
    emit_row(lambda db: inventory.create_maintenance(db, data, actor=local_actor()),
             MaintenanceRead, as_json, write=True)


@maintenance_app.command("list")
@handle_errors
def maintenance_list(
    provider: str | None = typer.Option(None, help="Provider name."),
    circuit: str | None = typer.Option(None, help="Circuit ref."),
    as_json: bool = JsonOption,
) -> None:
    """List maintenance windows."""
    emit_query(inventory.maintenance_query(provider=provider, circuit=circuit), MaintenanceRead,
               as_json, title="Maintenance windows",
               columns=["id", "circuit", "provider", "starts_at", "ends_at", "reason"])


@maintenance_app.command("show")
@handle_errors
def maintenance_show(window_id: int, as_json: bool = JsonOption) -> None:
    """Show a maintenance window."""
    with transaction(write=False) as db:
        item = MaintenanceRead.model_validate(store.get(db, Maintenance, window_id))
    emit_item(item, as_json)

