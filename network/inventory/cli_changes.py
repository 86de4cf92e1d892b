"""``socle network site|device|circuit|provider update ...`` and ``... delete``: the
inventory's changes from the command line, through :mod:`network.inventory.changes` (the same
checks and audit records as the API), as the local user.

Only the options given change; nothing given is an error. Removing an object that
others still refer to fails (exit code 4) and lists what refers to it.
"""

from __future__ import annotations

from typing import Any

import typer
from pydantic import BaseModel

from controlplane.cli.common import (
    JsonOption,
    console,
    emit_item,
    handle_errors,
    local_actor,
    transaction,
)
from network.errors import store
from network.inventory import changes
from network.inventory.models import Circuit, Device, Provider, Site
from network.inventory.platforms import Platform
from network.inventory.schemas import (
    CircuitRead,
    CircuitStatus,
    CircuitUpdate,
    CosProfile,
    DeviceRead,
    DeviceUpdate,
    ProviderRead,
    ProviderUpdate,
    ServiceClass,
    SiteRead,
    SiteUpdate,
    SlaClass,
    normalize_hostname,
    normalize_site_code,
)
from network.secrets import SECRETS


def _given(**options: Any) -> dict[str, Any]:
    return {name: value for name, value in options.items() if value is not None}


def _key(normalize: Any, key: str) -> str:
    try:
        return str(normalize(key))
    except ValueError:
        return key  # looked up as typed: not found


def _update(model: type[Any], key: str, service: Any, data: BaseModel,
            read: type[BaseModel], as_json: bool) -> None:
    with transaction() as db:
        row = store.by_key(db, model, key)
        item = read.model_validate(service(db, row, data, actor=local_actor()))
    emit_item(item, as_json)


def _delete(model: type[Any], key: str, read: type[BaseModel]) -> None:
    with transaction() as db:
        store.delete(db, store.by_key(db, model, key), actor=local_actor(), read=read)
    console.print(f"{model.__kind__} {key} deleted")


def register(provider_app: typer.Typer, site_app: typer.Typer, device_app: typer.Typer,
             circuit_app: typer.Typer) -> None:
    """Add the ``update`` and ``delete`` commands to the inventory's command groups."""

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
        _update(Provider, name, changes.update_provider, data, ProviderRead, as_json)

    @provider_app.command("delete")
    @handle_errors
    def provider_delete(name: str) -> None:
        """Remove a provider nothing refers to."""
        _delete(Provider, name, ProviderRead)

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
        _update(Site, _key(normalize_site_code, code), changes.update_site, data, SiteRead,
                as_json)

    @site_app.command("delete")
    @handle_errors
    def site_delete(code: str) -> None:
        """Remove a site with no device, circuit or prefix left."""
        _delete(Site, _key(normalize_site_code, code), SiteRead)

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
        _update(Device, _key(normalize_hostname, hostname), changes.update_device, data,
                DeviceRead, as_json)

    @device_app.command("delete")
    @handle_errors
    def device_delete(hostname: str) -> None:
        """Remove a router no circuit, backup or monitor refers to."""
        _delete(Device, _key(normalize_hostname, hostname), DeviceRead)

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
        _update(Circuit, ref, changes.update_circuit, data, CircuitRead, as_json)

    @circuit_app.command("delete")
    @handle_errors
    def circuit_delete(ref: str) -> None:
        """Remove a circuit with no prefix, window, measurement or migration left."""
        _delete(Circuit, ref, CircuitRead)
