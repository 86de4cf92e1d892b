"""Pydantic shapes of the offer catalogue: offers and their parameters.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from controlplane.schemas import INT4_MAX, Answer, StrictBody, natural_key
from hosting.providers.schemas import Name

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_PARAMETER = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

OfferKey = Annotated[str, BeforeValidator(natural_key("code"))]
Cents = Annotated[int, Field(ge=0, le=100_000_000, description="Euro cents.")]


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


# --- offers --------------------------------------------------------------------------


class ParameterSpec(StrictBody):
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


class OfferCreate(StrictBody):
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


class OfferUpdate(StrictBody):
    """An operator's edit of an offer; omitted fields stay. Existing requests keep their cost.

    Kind, retention, RPO, immutability and copies are fixed at creation (a field other than
    these four is refused): an archive offer cannot lose its retention or its lock, a tier
    its guarantees. Another tier is another offer."""

    name: Name | None = None
    parameters: dict[str, ParameterSpec] | None = None
    monthly_price_cents: Cents | None = None
    active: bool | None = None

    _parameters = field_validator("parameters")(lambda v: v if v is None else _check_parameters(v))


class OfferRead(Answer):
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
