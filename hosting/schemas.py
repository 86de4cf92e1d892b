"""Pydantic shapes of the hosting plane: ``...Create``/``...Update`` bodies, ``...Read`` answers.

Bodies refer to other objects by their natural key (tenant FINESS, offer code);
answers do the same. Rules a body can be checked against alone live here (a bad field
is a 422 naming it before anything is looked up); rules that need the database
(references, parameter ranges of an offer, quotas) are in the services.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    computed_field,
    field_validator,
    model_validator,
)

from controlplane.finess import validate_finess
from controlplane.schemas import INT4_MAX
from hosting.credentials import SECRETS
from hosting.placement import EEA_COUNTRIES

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_PARAMETER = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")


class OfferKind(StrEnum):
    """What an offer sells."""

    DRY_HOSTING = "dry-hosting"
    VM = "vm"
    STORAGE = "storage"
    BACKUP = "backup"
    ARCHIVE = "archive"
    DR = "dr"


class BackupFrequency(StrEnum):
    """How often a backup tier runs."""

    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"


class RequestState(StrEnum):
    """Where a request is in its life."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    FAILED = "failed"


def _key(attribute: str) -> Callable[[Any], Any]:
    """Read a related ORM object as its natural key (a string passes through)."""

    def pick(value: Any) -> Any:
        return value if value is None or isinstance(value, str | int) else getattr(value, attribute)

    return pick


def _check_url(value: str | None) -> str | None:
    if value is not None and not _URL.match(value):
        raise ValueError("an http:// or https:// URL")
    return value.rstrip("/") if value else value


def _check_activities(value: list[int]) -> list[int]:
    if not value or any(a not in range(1, 7) for a in value):
        raise ValueError("HDS activities are numbers 1 to 6 (at least one)")
    return sorted(set(value))


def _check_country(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", value):
        raise ValueError("an ISO 3166 alpha-2 country code, e.g. FR")
    return value.upper()


TenantKey = Annotated[str, BeforeValidator(_key("finess"))]
OfferKey = Annotated[str, BeforeValidator(_key("code"))]
ProviderKey = Annotated[str, BeforeValidator(_key("name"))]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Cents = Annotated[int, Field(ge=0, le=100_000_000, description="Euro cents.")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Answer(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- providers -----------------------------------------------------------------------


class ProviderCreate(_Body):
    """An HDS provider; ``credential_ref`` holds ``ACCESS_KEY:SECRET_KEY`` for its APIs."""

    name: Name
    certificate_activities: list[int] = Field(
        description="HDS activities 1-6 the certificate covers.", examples=[[1, 2, 3, 4, 5, 6]]
    )
    certification_body: Name
    certificate_expires_on: date
    country: str = Field(description="Where the data is stored (ISO alpha-2).", examples=["FR"])
    location: Name = Field(description="Datacentre or city; copies go to distinct ones.")
    s3_endpoint: str | None = Field(default=None, max_length=300)
    s3_region: str | None = Field(default=None, max_length=50)
    ec2_endpoint: str | None = Field(default=None, max_length=300)
    credential_ref: SECRETS.reference = Field(
        description=f"Where the keys are: {SECRETS.form}. Never the secret itself.",
        examples=["env:SOCLE_SECRET_HOSTING_HDS_A_KEYS", "file:hds-a.keys"],
    )
    capacity_gb: int = Field(ge=0, le=INT4_MAX)
    capacity_vcpus: int = Field(default=0, ge=0, le=INT4_MAX)

    _activities = field_validator("certificate_activities")(_check_activities)
    _country = field_validator("country")(_check_country)
    _urls = field_validator("s3_endpoint", "ec2_endpoint")(_check_url)


class ProviderUpdate(_Body):
    """A certificate renewal, a new endpoint or capacity; omitted fields stay."""

    certificate_activities: list[int] | None = None
    certification_body: Name | None = None
    certificate_expires_on: date | None = None
    country: str | None = None
    location: Name | None = None
    s3_endpoint: str | None = Field(default=None, max_length=300)
    s3_region: str | None = Field(default=None, max_length=50)
    ec2_endpoint: str | None = Field(default=None, max_length=300)
    credential_ref: SECRETS.reference | None = Field(default=None, description=SECRETS.form)
    capacity_gb: int | None = Field(default=None, ge=0, le=INT4_MAX)
    capacity_vcpus: int | None = Field(default=None, ge=0, le=INT4_MAX)

    _activities = field_validator("certificate_activities")(
        lambda v: v if v is None else _check_activities(v)
    )
    _country = field_validator("country")(lambda v: v if v is None else _check_country(v))
    _urls = field_validator("s3_endpoint", "ec2_endpoint")(_check_url)


class ProviderRead(_Answer):
    """A provider; ``credential_ref`` says where its keys are, never what they are."""

    id: int
    name: str
    certificate_activities: list[int]
    certification_body: str
    certificate_expires_on: date
    country: str
    location: str
    s3_endpoint: str | None
    s3_region: str | None
    ec2_endpoint: str | None
    credential_ref: str
    capacity_gb: int
    capacity_vcpus: int
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def in_eea(self) -> bool:
        """True when the data stays in the European Economic Area."""
        return self.country in EEA_COUNTRIES


# --- offers --------------------------------------------------------------------------


class ParameterSpec(_Body):
    """The range of one integer parameter, and what each unit adds to the monthly price."""

    min: int = Field(ge=0, le=INT4_MAX)
    max: int = Field(ge=0, le=INT4_MAX)
    default: int | None = Field(default=None, ge=0, le=INT4_MAX)
    unit: str | None = Field(default=None, max_length=16, examples=["GB"])
    unit_price_cents: Cents = 0

    @model_validator(mode="after")
    def _range(self) -> ParameterSpec:
        if self.min > self.max:
            raise ValueError("min must not exceed max")
        if self.default is not None and not self.min <= self.default <= self.max:
            raise ValueError("default must lie within [min, max]")
        return self


def _check_parameters(value: dict[str, ParameterSpec]) -> dict[str, ParameterSpec]:
    for name in value:
        if not _PARAMETER.match(name):
            raise ValueError(f"parameter name {name!r}: lower-case letters, digits, '_'")
    return value


class OfferCreate(_Body):
    """A catalogue offer. Backup tiers give frequency, retention, RPO, immutability, copies;
    archives give their retention (every copy of an archive is write-once)."""

    code: str = Field(examples=["backup-gold"])
    name: Name
    kind: OfferKind
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict, max_length=20)
    monthly_price_cents: Cents
    backup_frequency: BackupFrequency | None = None
    retention_days: int | None = Field(
        default=None, ge=1, le=36_500, validate_default=True,
        description="Backup tiers: how long snapshots are kept. Archives (required): how long "
        "every copy is locked (Object Lock COMPLIANCE), unless a request's retention_years "
        "parameter says longer.",
    )
    rpo_hours: int | None = Field(default=None, ge=1, le=8_760)
    immutable: bool | None = Field(
        default=None, validate_default=True,
        description="Backup tiers: keep one copy under Object Lock (default false). Archives: "
        "implied (an archive is write-once, every copy is locked); omit it or give true, "
        "false is refused.",
    )
    copies: int = Field(default=1, ge=1, le=3)
    image_id: str | None = Field(default=None, max_length=64, description="VM offers: image.")

    _parameters = field_validator("parameters")(_check_parameters)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        value = value.lower()
        if not _CODE.match(value):
            raise ValueError("2-64 lower-case letters, digits or '-'")
        return value

    @field_validator("retention_days")
    @classmethod
    def _archive_retention(cls, value: int | None, info: ValidationInfo) -> int | None:
        if info.data.get("kind") is OfferKind.ARCHIVE and value is None:
            raise ValueError("an archive offer needs retention_days (how long deposits are "
                             "locked)")
        return value

    @field_validator("immutable")
    @classmethod
    def _archive_immutable(cls, value: bool | None, info: ValidationInfo) -> bool:
        archive = info.data.get("kind") is OfferKind.ARCHIVE
        if archive and value is False:
            raise ValueError("an archive is write-once: immutable is implied (omit it or give "
                             "true)")
        return archive if value is None else value

    @model_validator(mode="after")
    def _tier(self) -> OfferCreate:
        backup = self.kind is OfferKind.BACKUP
        if backup and None in (self.backup_frequency, self.retention_days, self.rpo_hours):
            raise ValueError("a backup tier needs backup_frequency, retention_days and rpo_hours")
        if self.kind not in (OfferKind.BACKUP, OfferKind.ARCHIVE) and (
            self.copies > 1 or self.immutable
        ):
            raise ValueError("copies and immutable apply to backup and archive offers only")
        if self.kind is OfferKind.VM and not self.image_id:
            raise ValueError("a VM offer needs the image_id it boots")
        if self.immutable and self.retention_days is None:
            raise ValueError("an immutable offer needs retention_days (the lock's duration)")
        return self


class OfferUpdate(_Body):
    """An operator's edit of an offer; omitted fields stay. Existing requests keep their cost.

    Kind, retention, RPO, immutability and copies are fixed at creation (a field other than
    these four is refused): an archive offer cannot lose its retention or its lock, a tier
    its guarantees. Another tier is another offer."""

    name: Name | None = None
    parameters: dict[str, ParameterSpec] | None = None
    monthly_price_cents: Cents | None = None
    active: bool | None = None

    _parameters = field_validator("parameters")(lambda v: v if v is None else _check_parameters(v))


class OfferRead(_Answer):
    """An offer of the catalogue."""

    id: int
    code: str
    name: str
    kind: OfferKind
    parameters: dict[str, ParameterSpec]
    monthly_price_cents: int
    backup_frequency: BackupFrequency | None
    retention_days: int | None
    rpo_hours: int | None
    immutable: bool
    copies: int
    image_id: str | None
    active: bool
    created_at: datetime


# --- requests and subscriptions ------------------------------------------------------


class RequestCreate(_Body):
    """A request for an offer. An establishment's ``tenant`` defaults to its own."""

    offer: str = Field(max_length=64, examples=["backup-gold"])
    tenant: str | None = Field(default=None, description="FINESS of the establishment.")
    parameters: dict[str, int] = Field(default_factory=dict, max_length=20)

    @field_validator("tenant")
    @classmethod
    def _tenant(cls, value: str | None) -> str | None:
        return None if value is None else validate_finess(value)


class RequestReject(_Body):
    """Why a request is refused (told to the establishment)."""

    reason: str = Field(min_length=1, max_length=1000)


class RequestRead(_Answer):
    """A request, its cost and its plan (the placement decision, explained)."""

    id: int
    tenant: TenantKey
    offer: OfferKey
    parameters: dict[str, int]
    monthly_cost_cents: int
    state: RequestState
    reason: str | None
    plan: dict[str, Any]
    job_id: int | None
    requested_by: str
    decided_by: str | None
    created_at: datetime
    updated_at: datetime


class ResourceRead(_Answer):
    """A resource provisioned at a provider."""

    key: str
    kind: str
    provider: ProviderKey
    external_id: str
    details: dict[str, Any]


class SubscriptionRead(_Answer):
    """A tenant's subscription and the resources provisioned for it."""

    id: int
    tenant: TenantKey
    request_id: int
    offer: OfferKey
    parameters: dict[str, int]
    monthly_cost_cents: int
    state: str
    resources: list[ResourceRead]
    created_at: datetime


class QuotaSet(_Body):
    """A tenant's monthly hosting budget."""

    max_monthly_cost_cents: Cents


class QuotaRead(_Answer):
    """A tenant's quota and what its open requests and subscriptions already use."""

    tenant: TenantKey
    max_monthly_cost_cents: int
    used_monthly_cost_cents: int
