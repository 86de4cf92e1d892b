"""Pydantic shapes of the inventory: ``...Create`` and ``...Update`` bodies, ``...Read``
answers, and the field rules the network plane's other shapes reuse.

Bodies refer to other objects by their natural key (tenant FINESS, site code, device
hostname, provider name, circuit ref); answers do the same. Every rule a body can be
checked against alone lives here, so a bad field is a 422 naming it before anything is
looked up; rules that need the database (references, overlaps) are in the services.
``PATCH`` bodies have every field optional (omitted fields stay); natural keys never
change: to move an object, create the new one and delete the old.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
)

from controlplane.finess import validate_department
from controlplane.schemas import (
    Answer,
    Finess,
    PartialUpdate,
    StrictBody,
    TenantKey,
    UtcDatetime,
    natural_key,
)
from network.inventory.platforms import Platform
from network.ipam.vpn import asn_error, format_value, parse_value
from network.secrets import SECRETS


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


class ClassOfService(StrEnum):
    """A class of service probes are sent in (RFC 4594): expedited forwarding for real
    time, AF31 for business data, best effort."""

    EF = "EF"
    AF31 = "AF31"
    BE = "BE"


#: The classes each CoS profile carries, top class first.
PROFILE_CLASSES: dict[str, tuple[ClassOfService, ...]] = {
    CosProfile.BEST_EFFORT: (ClassOfService.BE,),
    CosProfile.BUSINESS: (ClassOfService.AF31, ClassOfService.BE),
    CosProfile.REALTIME: (ClassOfService.EF, ClassOfService.AF31, ClassOfService.BE),
}


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


# --- field rules -------------------------------------------------------------------

_SITE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 .()-]{6,20}$")


_SERVICE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value



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
SiteKey = Annotated[str, BeforeValidator(natural_key("code"))]
DeviceKey = Annotated[str, BeforeValidator(natural_key("hostname"))]
ProviderKey = Annotated[str, BeforeValidator(natural_key("name"))]
CircuitKey = Annotated[str, BeforeValidator(natural_key("ref"))]
VrfKey = Annotated[str, BeforeValidator(natural_key("name"))]


SiteRef = Annotated[str, AfterValidator(normalize_site_code)]
DeviceRef = Annotated[str, AfterValidator(normalize_hostname)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Description = Annotated[str, Field(max_length=200)]
Interface = Annotated[str, Field(min_length=1, max_length=64)]




# --- providers -----------------------------------------------------------------------


class Contact(StrictBody):
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


class ProviderCreate(StrictBody):
    """A telecom operator; ``kind`` is the access it sells (MPLS or THD)."""

    name: Name
    kind: AccessIn
    contract_ref: Name
    contacts: list[Contact] = Field(default_factory=list, max_length=20)


class ProviderRead(Answer):
    """A provider."""

    id: int
    name: str
    kind: Access
    contract_ref: str
    contacts: list[Contact]
    created_at: datetime


# --- sites ---------------------------------------------------------------------------


class SiteCreate(StrictBody):
    """A site of an establishment; ``department`` defaults to the tenant's."""

    tenant: Finess = Field(description="FINESS of the establishment.", examples=["690100016"])
    code: str = Field(description="Unique site code.", examples=["69-CHR-LYON"])
    name: Annotated[str, Field(min_length=1, max_length=200)]
    address: Annotated[str, Field(min_length=1, max_length=300)]
    department: str | None = Field(default=None, description="01-95, 2A, 2B or 971-976.")
    access: AccessIn
    service_class: ServiceClass = ServiceClass.SILVER

    _code = field_validator("code")(normalize_site_code)
    _department = field_validator("department")(
        lambda v: v if v is None else validate_department(v)
    )


class SiteRead(Answer):
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


class DeviceCreate(StrictBody):
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


class DeviceRead(Answer):
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


class CircuitCreate(StrictBody):
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


class CircuitRead(Answer):
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


class MaintenanceCreate(StrictBody):
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


class MaintenanceRead(Answer):
    """A maintenance window."""

    id: int
    circuit: CircuitKey | None
    provider: ProviderKey | None
    tenant: TenantKey | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_at: datetime


class _Update(PartialUpdate, StrictBody):
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
