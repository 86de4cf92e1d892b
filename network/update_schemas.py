"""Pydantic bodies of the inventory's ``PATCH`` routes: every field optional, omitted
fields stay. Natural keys (site code, hostname, circuit ref, VRF name, a row's tenant
or site) never change: to move an object, create the new one and delete the old.

As in :mod:`network.schemas`, every rule a body can be checked against alone lives here
(a 422 naming the field before anything is looked up); rules that need the stored
object (a committed rate against the stored bandwidth, an interface name against the
device's platform) are checked by :mod:`network.changes`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, field_validator

from controlplane.finess import validate_department
from controlplane.schemas import PartialUpdate
from network.platforms import Platform
from network.schemas import (
    CircuitStatus,
    Contact,
    CosProfile,
    Interface,
    Name,
    ServiceClass,
    SlaClass,
    UtcDatetime,
    _Body,
    _check_address,
    _check_asn,
    _check_asn_value,
)
from network.secrets import SECRETS

__all__ = [
    "CircuitUpdate",
    "DeviceUpdate",
    "MaintenanceUpdate",
    "ProviderUpdate",
    "SiteUpdate",
    "VrfUpdate",
]


class _Update(PartialUpdate, _Body):
    """A network ``PATCH`` body (see :class:`controlplane.schemas.PartialUpdate`)."""


class ProviderUpdate(_Update):
    """A renewed contract, new contacts, a new name."""

    name: Name | None = None
    contract_ref: Name | None = None
    contacts: list[Contact] | None = Field(default=None, max_length=20)


class SiteUpdate(_Update):
    """A site renamed, moved within its department, or given another service class.

    The access (MPLS or THD) changes through a migration, never here.
    """

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    address: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    department: str | None = Field(default=None, description="01-95, 2A, 2B or 971-976.")
    service_class: ServiceClass | None = None

    _department = field_validator("department")(
        lambda v: v if v is None else validate_department(v)
    )


class DeviceUpdate(_Update):
    """A router replaced (platform), re-addressed, or given another credential reference."""

    NULLABLE = frozenset({"asn", "lan_interface"})

    platform: Platform | None = None
    mgmt_address: str | None = None
    mgmt_port: int | None = Field(default=None, ge=1, le=65535)
    username: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._@-]{1,64}$")
    credential_ref: SECRETS.reference | None = Field(
        default=None, description=f"{SECRETS.form}; never the secret itself."
    )
    asn: int | None = None
    lan_interface: Interface | None = None

    _address = field_validator("mgmt_address")(lambda v: v if v is None else _check_address(v))
    _asn = field_validator("asn")(_check_asn)


class CircuitUpdate(_Update):
    """A circuit upgraded, re-profiled, moved to another port or VLAN, activated or retired."""

    NULLABLE = frozenset({"a_interface", "z_interface", "vlan", "vrf"})

    a_interface: Interface | None = None
    z_interface: Interface | None = None
    vlan: int | None = Field(default=None, ge=1, le=4094)
    bandwidth_mbps: int | None = Field(default=None, ge=1, le=1_000_000)
    committed_mbps: int | None = Field(default=None, ge=1, le=1_000_000)
    cos_profile: CosProfile | None = None
    sla_class: SlaClass | None = None
    status: CircuitStatus | None = None
    vrf: str | None = Field(default=None, description="Name of the site's tenant VRF.")


class MaintenanceUpdate(_Update):
    """A window moved, extended or re-explained (its circuit or provider stays)."""

    starts_at: UtcDatetime | None = None
    ends_at: UtcDatetime | None = None
    reason: Annotated[str, Field(min_length=1, max_length=500)] | None = None

    def window(self, starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
        """The window after the change, from the stored one."""
        return self.starts_at or starts_at, self.ends_at or ends_at


class VrfUpdate(_Update):
    """A VRF renumbered: a new RD and/or route target (the import/export policy follows)."""

    rd: str | None = Field(default=None, description="ASN:N")
    route_target: str | None = Field(default=None, description="ASN:N")

    _values = field_validator("rd", "route_target")(_check_asn_value)
