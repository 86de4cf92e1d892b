"""Pydantic shapes of the IP/VPN plan: pools, prefixes and VRFs (bodies and answers).
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Annotated

from pydantic import (
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
)

from controlplane.finess import validate_finess
from controlplane.schemas import Answer, StrictBody, TenantKey, natural_key
from network.inventory.schemas import (
    _SERVICE,
    CircuitKey,
    Description,
    Name,
    SiteKey,
    SiteRef,
    _check_asn_value,
    _matching,
    _Update,
)
from network.ipam.vpn import VrfKind


class IpFamily(IntEnum):
    """IP version of a pool or prefix."""

    IPV4 = 4
    IPV6 = 6


class PoolRole(StrEnum):
    """What a pool's prefixes are for."""

    SITE_LAN = "site-lan"
    INTERCONNECT = "interconnect"
    LOOPBACK = "loopback"
    MANAGEMENT = "management"  # the GCS's management networks: the routers' management ACL


_VRF_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")


def normalize_cidr(value: str) -> str:
    """A prefix in canonical form; host bits set is an error (``10.0.0.1/24``)."""
    try:
        return str(ipaddress.ip_network(value.strip(), strict=True))
    except ValueError as exc:
        raise ValueError(f"not a prefix: {exc}") from None


PoolKey = Annotated[int, BeforeValidator(natural_key("id"))]


# --- IP plan -------------------------------------------------------------------------


class PoolCreate(StrictBody):
    """A regional block of addresses for one role; pools never overlap."""

    name: Name
    prefix: str = Field(examples=["10.64.0.0/12", "2001:db8:100::/40"])
    role: PoolRole
    description: Description = ""

    _prefix = field_validator("prefix")(normalize_cidr)


class PoolRead(Answer):
    """A prefix pool."""

    id: int
    name: str
    prefix: str
    family: int = Field(description="4 or 6.")
    role: PoolRole
    description: str
    created_at: datetime


class PrefixCreate(StrictBody):
    """An explicit prefix: it must lie inside a pool and overlap no allocated prefix."""

    prefix: str = Field(examples=["10.64.12.0/24"])
    site: SiteRef | None = Field(default=None, description="Site code; the tenant follows.")
    circuit: str | None = Field(
        default=None, max_length=64, description="Circuit ref (interconnect); the site follows."
    )
    description: Description = ""

    _prefix = field_validator("prefix")(normalize_cidr)


class PrefixAllocate(StrictBody):
    """Ask for the next free prefix of ``length`` in a pool."""

    length: int = Field(ge=0, le=128, description="Prefix length, e.g. 24 or 64.")
    site: SiteRef | None = Field(default=None, description="Site code; the tenant follows.")
    circuit: str | None = Field(
        default=None, max_length=64, description="Circuit ref (interconnect); the site follows."
    )
    description: Description = ""


class PrefixRead(Answer):
    """An allocated prefix."""

    id: int
    prefix: str
    family: int
    pool: PoolKey = Field(description="Id of the pool it was taken from.")
    role: PoolRole
    site: SiteKey | None
    circuit: CircuitKey | None
    tenant: TenantKey | None
    description: str
    created_at: datetime


# --- VRFs ----------------------------------------------------------------------------


class VrfCreate(StrictBody):
    """A VRF: ``shared`` (the shared services: ENRS, hosting) or ``tenant`` (one
    establishment's service). RD and RT are allocated unless given."""

    name: str = Field(examples=["ENRS", "T690100016-GFU"])
    kind: VrfKind
    tenant: str | None = Field(
        default=None, validate_default=True, description="FINESS (tenant VRFs only)."
    )
    service: str = Field(examples=["gfu", "enrs-hosting"])
    rd: str | None = Field(default=None, description="ASN:N; allocated when absent.")
    route_target: str | None = Field(default=None, description="ASN:N; allocated when absent.")

    _name = field_validator("name")(
        _matching(_VRF_NAME, "a letter then up to 31 letters, digits, '-' or '_'")
    )
    _service = field_validator("service")(
        _matching(_SERVICE, "1-32 lower-case letters, digits or '-'")
    )
    _values = field_validator("rd", "route_target")(_check_asn_value)

    @field_validator("tenant")
    @classmethod
    def _tenant_matches_kind(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if kind is VrfKind.TENANT and value is None:
            raise ValueError("a tenant VRF belongs to a tenant (FINESS)")
        if kind is VrfKind.SHARED and value is not None:
            raise ValueError("the shared-services VRF belongs to no tenant")
        return None if value is None else validate_finess(value)


class VrfRead(Answer):
    """A VRF with its full import/export policy."""

    id: int
    name: str
    kind: VrfKind
    tenant: TenantKey | None
    service: str
    rd: str
    route_target: str
    import_targets: list[str]
    export_targets: list[str]
    created_at: datetime


class VrfUpdate(_Update):
    """A VRF renumbered: a new RD and/or route target (the import/export policy follows)."""

    rd: str | None = Field(default=None, description="ASN:N")
    route_target: str | None = Field(default=None, description="ASN:N")

    _values = field_validator("rd", "route_target")(_check_asn_value)
