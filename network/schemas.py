"""Pydantic shapes of the network plane: ``...Create`` bodies and ``...Read`` answers.

Bodies refer to other objects by their natural key (tenant FINESS, site code, device
hostname, provider name, circuit ref); answers do the same. Every rule a body can be
checked against alone lives here, so a bad field is a 422 naming it before anything is
looked up; rules that need the database (references, overlaps) are in the services.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from controlplane.finess import validate_department, validate_finess
from controlplane.schemas import UtcDatetime
from network.platforms import Platform
from network.secrets import SECRETS
from network.vpn import VrfKind, asn_error, format_value, parse_value

__all__ = [
    "Access",
    "CircuitCreate",
    "CircuitRead",
    "CircuitStatus",
    "Contact",
    "CosProfile",
    "DeviceCreate",
    "DeviceRead",
    "DeviceRole",
    "IpFamily",
    "MaintenanceCreate",
    "MaintenanceRead",
    "Platform",
    "PoolCreate",
    "PoolRead",
    "PoolRole",
    "PrefixAllocate",
    "PrefixCreate",
    "PrefixRead",
    "ProviderCreate",
    "ProviderRead",
    "ServiceClass",
    "SiteCreate",
    "SiteRead",
    "SlaClass",
    "VrfCreate",
    "VrfKind",
    "VrfRead",
]


class Access(StrEnum):
    """How a site reaches the GFU: an operator's MPLS VPN, or the THD dark-fibre network."""

    MPLS = "MPLS"
    THD = "THD"


class DeviceRole(StrEnum):
    """Customer edge (at a site) or provider edge (regional)."""

    CE = "CE"
    PE = "PE"


class ServiceClass(StrEnum):
    """A site's service level (drives the SLA class of its circuits)."""

    BRONZE = "bronze"
    SILVER = "silver"
    GOLD = "gold"


class CosProfile(StrEnum):
    """Class-of-service mapping of a circuit: best-effort only; business data with
    priority; or real-time (voice, video) plus business data."""

    BEST_EFFORT = "best-effort"
    BUSINESS = "business"
    REALTIME = "realtime"


class SlaClass(StrEnum):
    """Contractual SLA class of a circuit (availability, latency, jitter, loss targets)."""

    STANDARD = "standard"
    ENHANCED = "enhanced"
    CRITICAL = "critical"


class CircuitStatus(StrEnum):
    """Where a circuit is in its life."""

    PLANNED = "planned"
    ACTIVE = "active"
    DECOMMISSIONED = "decommissioned"


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


# --- field rules -------------------------------------------------------------------

_SITE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 .()-]{6,20}$")
_VRF_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _key(attribute: str) -> Callable[[Any], Any]:
    """Read a related ORM object as its natural key (a string passes through)."""

    def pick(value: Any) -> Any:
        return value if value is None or isinstance(value, str | int) else getattr(value, attribute)

    return pick


def _matching(pattern: re.Pattern[str], message: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(message)
        return value

    return check


def normalize_site_code(value: str) -> str:
    """A site code, normalised to upper case (e.g. ``69-CHR-LYON``)."""
    return _matching(_SITE_CODE, "2-32 letters, digits, '-' or '_' (e.g. 69-CHR-LYON)")(
        value.strip().upper()
    )


def normalize_hostname(value: str) -> str:
    """A device hostname, normalised to lower case (RFC 1123 labels)."""
    return _matching(_HOSTNAME, "letters, digits and '-' in dot-separated labels")(
        value.strip().lower()
    )


def normalize_cidr(value: str) -> str:
    """A prefix in canonical form; host bits set is an error (``10.0.0.1/24``)."""
    try:
        return str(ipaddress.ip_network(value.strip(), strict=True))
    except ValueError as exc:
        raise ValueError(f"not a prefix: {exc}") from None


def _check_address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 or IPv6 address") from None


def _check_asn(value: int | None) -> int | None:
    if value is not None and (reason := asn_error(value)) is not None:
        raise ValueError(reason)
    return value


def _check_asn_value(value: str | None) -> str | None:
    return None if value is None else format_value(*parse_value(value))


AccessIn = Annotated[Access, BeforeValidator(_upper)]
TenantKey = Annotated[str, BeforeValidator(_key("finess"))]
SiteKey = Annotated[str, BeforeValidator(_key("code"))]
DeviceKey = Annotated[str, BeforeValidator(_key("hostname"))]
ProviderKey = Annotated[str, BeforeValidator(_key("name"))]
CircuitKey = Annotated[str, BeforeValidator(_key("ref"))]
VrfKey = Annotated[str, BeforeValidator(_key("name"))]
PoolKey = Annotated[int, BeforeValidator(_key("id"))]
SiteRef = Annotated[str, AfterValidator(normalize_site_code)]
DeviceRef = Annotated[str, AfterValidator(normalize_hostname)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Description = Annotated[str, Field(max_length=200)]
Interface = Annotated[str, Field(min_length=1, max_length=64)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Answer(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- providers -----------------------------------------------------------------------


class Contact(_Body):
    """Someone to call at a provider."""

    name: Name
    role: str | None = Field(default=None, max_length=50, examples=["NOC"])
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=20)

    _email = field_validator("email")(
        lambda v: v if v is None else _matching(_EMAIL, "not an e-mail address")(v)
    )
    _phone = field_validator("phone")(
        lambda v: v if v is None else _matching(_PHONE, "not a phone number")(v)
    )


class ProviderCreate(_Body):
    """A telecom operator; ``kind`` is the access it sells (MPLS or THD)."""

    name: Name
    kind: AccessIn
    contract_ref: Name
    contacts: list[Contact] = Field(default_factory=list, max_length=20)


class ProviderRead(_Answer):
    """A provider."""

    id: int
    name: str
    kind: Access
    contract_ref: str
    contacts: list[Contact]
    created_at: datetime


# --- sites ---------------------------------------------------------------------------


class SiteCreate(_Body):
    """A site of an establishment; ``department`` defaults to the tenant's."""

    tenant: str = Field(description="FINESS of the establishment.", examples=["690100016"])
    code: str = Field(description="Unique site code.", examples=["69-CHR-LYON"])
    name: Annotated[str, Field(min_length=1, max_length=200)]
    address: Annotated[str, Field(min_length=1, max_length=300)]
    department: str | None = Field(default=None, description="01-95, 2A, 2B or 971-976.")
    access: AccessIn
    service_class: ServiceClass = ServiceClass.SILVER

    _tenant = field_validator("tenant")(validate_finess)
    _code = field_validator("code")(normalize_site_code)
    _department = field_validator("department")(
        lambda v: v if v is None else validate_department(v)
    )


class SiteRead(_Answer):
    """A site."""

    id: int
    code: str
    name: str
    tenant: TenantKey
    department: str
    address: str
    access: Access
    service_class: ServiceClass
    created_at: datetime


# --- devices -------------------------------------------------------------------------


class DeviceCreate(_Body):
    """A router. A CE belongs to a site; a PE is regional (no site)."""

    hostname: str = Field(examples=["ce-69-chr-lyon-1"])
    role: Annotated[DeviceRole, BeforeValidator(_upper)]
    platform: Platform
    site: SiteRef | None = Field(
        default=None, validate_default=True, description="Site code (CE only)."
    )
    mgmt_address: str = Field(description="IPv4 or IPv6 management address.")
    mgmt_port: int = Field(default=22, ge=1, le=65535)
    username: str
    credential_ref: SECRETS.reference = Field(
        description=f"Where the router's password is: {SECRETS.form}. "
        "Never the secret itself.",
        examples=["env:SOCLE_SECRET_NETWORK_CE_PASSWORD", "file:ce-lyon.secret"],
    )
    asn: int | None = Field(default=None, description="BGP AS number of the device.")
    lan_interface: Interface | None = Field(
        default=None, description="CE only: the interface facing the site's LAN."
    )

    _hostname = field_validator("hostname")(normalize_hostname)
    _address = field_validator("mgmt_address")(_check_address)
    _username = field_validator("username")(
        _matching(_USERNAME, "1-64 letters, digits, '.', '_', '@' or '-'")
    )
    _asn = field_validator("asn")(_check_asn)

    @field_validator("site")
    @classmethod
    def _site_matches_role(cls, value: str | None, info: ValidationInfo) -> str | None:
        role = info.data.get("role")
        if role is DeviceRole.CE and value is None:
            raise ValueError("a CE router belongs to a site")
        if role is DeviceRole.PE and value is not None:
            raise ValueError("a PE router is regional: it has no site")
        return value


class DeviceRead(_Answer):
    """A router; ``credential_ref`` says where its secret is, never what it is."""

    id: int
    hostname: str
    role: DeviceRole
    platform: Platform
    site: SiteKey | None
    tenant: TenantKey | None
    mgmt_address: str
    mgmt_port: int
    username: str
    credential_ref: str
    asn: int | None
    lan_interface: str | None
    created_at: datetime


# --- circuits ------------------------------------------------------------------------


class CircuitCreate(_Body):
    """An access circuit from a site (A end: its CE) to the provider (Z end: a PE)."""

    ref: Annotated[str, Field(min_length=1, max_length=64, description="Provider's reference.")]
    provider: Name
    site: SiteRef
    a_device: DeviceRef | None = Field(default=None, description="CE hostname at the site.")
    z_device: DeviceRef | None = Field(default=None, description="PE hostname.")
    a_interface: Interface | None = None
    z_interface: Interface | None = None
    vlan: int | None = Field(default=None, ge=1, le=4094)
    access: AccessIn | None = Field(default=None, description="Defaults to the site's access.")
    bandwidth_mbps: int = Field(ge=1, le=1_000_000)
    committed_mbps: int = Field(ge=1, le=1_000_000, description="At most bandwidth_mbps.")
    cos_profile: CosProfile = CosProfile.BUSINESS
    sla_class: SlaClass = SlaClass.STANDARD
    status: CircuitStatus = CircuitStatus.PLANNED
    vrf: str | None = Field(
        default=None, description="Name of the site's tenant VRF the circuit carries."
    )

    @field_validator("committed_mbps")
    @classmethod
    def _within_bandwidth(cls, value: int, info: ValidationInfo) -> int:
        bandwidth = info.data.get("bandwidth_mbps")
        if bandwidth is not None and value > bandwidth:
            raise ValueError(f"the committed rate exceeds the bandwidth ({bandwidth} Mbit/s)")
        return value


class CircuitRead(_Answer):
    """A circuit."""

    id: int
    ref: str
    provider: ProviderKey
    site: SiteKey
    tenant: TenantKey
    a_device: DeviceKey | None
    z_device: DeviceKey | None = Field(description="Hidden (null) from establishments.")
    a_interface: str | None
    z_interface: str | None
    vlan: int | None
    access: Access
    bandwidth_mbps: int
    committed_mbps: int
    cos_profile: CosProfile
    sla_class: SlaClass
    status: CircuitStatus
    vrf: VrfKey | None
    created_at: datetime


# --- maintenance windows -------------------------------------------------------------


class MaintenanceCreate(_Body):
    """A maintenance window on one circuit, or on a provider's whole network."""

    circuit: str | None = Field(default=None, description="Circuit ref.")
    provider: str | None = Field(
        default=None, validate_default=True, description="Provider name (if no circuit)."
    )
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    reason: Annotated[str, Field(min_length=1, max_length=500)]

    @field_validator("provider")
    @classmethod
    def _one_target(cls, value: str | None, info: ValidationInfo) -> str | None:
        if (value is None) == (info.data.get("circuit") is None):
            raise ValueError("give a circuit or a provider, not both nor neither")
        return value

    @field_validator("ends_at")
    @classmethod
    def _after_start(cls, value: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and value <= starts_at:
            raise ValueError("a window ends after it starts")
        return value


class MaintenanceRead(_Answer):
    """A maintenance window."""

    id: int
    circuit: CircuitKey | None
    provider: ProviderKey | None
    tenant: TenantKey | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_at: datetime


# --- IP plan -------------------------------------------------------------------------


class PoolCreate(_Body):
    """A regional block of addresses for one role; pools never overlap."""

    name: Name
    prefix: str = Field(examples=["10.64.0.0/12", "2001:db8:100::/40"])
    role: PoolRole
    description: Description = ""

    _prefix = field_validator("prefix")(normalize_cidr)


class PoolRead(_Answer):
    """A prefix pool."""

    id: int
    name: str
    prefix: str
    family: int = Field(description="4 or 6.")
    role: PoolRole
    description: str
    created_at: datetime


class PrefixCreate(_Body):
    """An explicit prefix: it must lie inside a pool and overlap no allocated prefix."""

    prefix: str = Field(examples=["10.64.12.0/24"])
    site: SiteRef | None = Field(default=None, description="Site code; the tenant follows.")
    circuit: str | None = Field(
        default=None, max_length=64, description="Circuit ref (interconnect); the site follows."
    )
    description: Description = ""

    _prefix = field_validator("prefix")(normalize_cidr)


class PrefixAllocate(_Body):
    """Ask for the next free prefix of ``length`` in a pool."""

    length: int = Field(ge=0, le=128, description="Prefix length, e.g. 24 or 64.")
    site: SiteRef | None = Field(default=None, description="Site code; the tenant follows.")
    circuit: str | None = Field(
        default=None, max_length=64, description="Circuit ref (interconnect); the site follows."
    )
    description: Description = ""


class PrefixRead(_Answer):
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


class VrfCreate(_Body):
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


class VrfRead(_Answer):
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
