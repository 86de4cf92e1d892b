"""Pydantic shapes of the control plane's API: tenants, tokens, jobs, audit, pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from controlplane.auth import Role
from controlplane.finess import department_of, validate_department, validate_finess

T = TypeVar("T")

NAIVE_DATETIME = ("add a time zone: Z for UTC or an offset, e.g. 2026-06-01T12:00:00Z or "
                  "2026-06-01T14:00:00+02:00 (+ written %2B in a URL)")


def in_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive one is refused (ValueError saying to add ``Z``): a time
    without its zone is never guessed."""
    if value.utcoffset() is None:
        raise ValueError(NAIVE_DATETIME)
    return value.astimezone(UTC)


#: A date-time the API takes (body or query): with its time zone, read in UTC.
UtcDatetime = Annotated[datetime, AfterValidator(in_utc)]

#: The largest PostgreSQL ``INTEGER``, the type of every id column (and of most counts):
#: the bound of every integer the API takes, so a larger one is a 422 naming the field,
#: never an overflow in the database (SQLite's 64-bit integers would hide it).
INT4_MAX = 2**31 - 1

#: A row id the API takes, in a path, a query or a body: 1 .. ``INT4_MAX``. Outside
#: that range nothing can match, and the answer says so (422) instead of reaching the
#: database with a number it cannot hold.
RowId = Annotated[int, Field(ge=1, le=INT4_MAX)]


class StrictBody(BaseModel):
    """A request body: an unknown field is refused (a 422 naming it), text is stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Answer(BaseModel):
    """An answer, read from an ORM row with ``model_validate(row)``."""

    model_config = ConfigDict(from_attributes=True)


def natural_key(attribute: str) -> Callable[[Any], Any]:
    """A before-validator reading a related ORM object as its natural key ``attribute``
    (an answer built from a row); a string or a number passes through (a body's key)."""

    def pick(value: Any) -> Any:
        return value if value is None or isinstance(value, str | int) else getattr(value, attribute)

    return pick


#: A FINESS number a body gives: checked (9 characters, department, Luhn key) and
#: normalised (upper case); a malformed one is a 422 saying what is wrong.
Finess = Annotated[str, AfterValidator(validate_finess)]

#: A tenant named by its FINESS in an answer (a row's ``tenant`` reads as its FINESS).
TenantKey = Annotated[str, BeforeValidator(natural_key("finess"))]


class PartialUpdate(StrictBody):
    """A ``PATCH`` body: every field optional, omitted fields stay; at least one field,
    and no explicit null for a field that cannot be empty (those allowed to be cleared
    are listed in ``NULLABLE``). Unknown fields are refused."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:
        if isinstance(value, dict) and not value:
            raise ValueError("give at least one field to change")
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_allowed(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("cannot be null (omit the field to keep it)")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the request gave (JSON-ready values)."""
        return self.model_dump(mode="json", exclude_unset=True)


class Page(BaseModel, Generic[T]):
    """One page of a listing."""

    items: list[T]
    total: int = Field(description="How many items match, across all pages.")
    limit: int
    offset: int


class TenantKind(StrEnum):
    """Kinds of establishment, in the words the sector uses."""

    ES = "ES"  # établissement de santé (hospital, clinic)
    EMS = "EMS"  # établissement médico-social
    ESMS = "ESMS"  # établissement ou service médico-social
    LBM = "LBM"  # laboratoire de biologie médicale
    CDS = "CDS"  # centre de santé
    MSP = "MSP"  # maison de santé pluriprofessionnelle
    PS = "PS"  # professionnel de santé libéral
    GCS = "GCS"  # groupement de coopération sanitaire


def _check_finess(value: str) -> str:
    return validate_finess(value)


class TenantCreate(BaseModel):
    """A new establishment. ``department`` defaults to the FINESS number's."""

    model_config = ConfigDict(extra="forbid")

    finess: str = Field(
        description="9-character FINESS number (Luhn key checked).", examples=["750712184"]
    )
    name: str = Field(min_length=1, max_length=200)
    kind: TenantKind
    department: str | None = Field(default=None, description="01-95, 2A, 2B or 971-976.")

    _finess = field_validator("finess")(_check_finess)

    @field_validator("department")
    @classmethod
    def _department(cls, value: str | None) -> str | None:
        return validate_department(value) if value is not None else None

    @model_validator(mode="after")
    def _department_matches(self) -> TenantCreate:
        expected = department_of(self.finess)
        if self.department is None:
            self.department = expected
        elif self.department != expected:
            raise ValueError(
                f"department {self.department} does not match the FINESS number's ({expected})"
            )
        return self


class TenantUpdate(BaseModel):
    """Fields an operator may change; the FINESS number never changes."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: TenantKind | None = None
    active: bool | None = None


class TenantRead(BaseModel):
    """An establishment as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    finess: str
    name: str
    kind: TenantKind
    department: str
    active: bool
    created_at: datetime
    updated_at: datetime


class TokenCreate(BaseModel):
    """A token request; ``tenant`` (FINESS) only for the establishment role."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: Role
    tenant: str | None = None
    expires_at: datetime | None = None

    @field_validator("tenant")
    @classmethod
    def _tenant(cls, value: str | None) -> str | None:
        return validate_finess(value) if value is not None else None

    @field_validator("expires_at")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("give a timezone, e.g. 2027-01-01T00:00:00Z")
        if value <= datetime.now(UTC):
            raise ValueError("the expiry date is in the past")
        return value


class TokenRead(BaseModel):
    """A token's public facts: never its secret or hash."""

    id: int
    name: str
    role: Role
    tenant: str | None
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenIssued(TokenRead):
    """A new token: ``token`` is shown this once and cannot be recovered."""

    token: str


class WhoAmI(BaseModel):
    """The caller's identity and permissions."""

    name: str
    role: Role
    tenant: str | None
    permissions: list[str]


class JobStepRead(BaseModel):
    """One step of a job."""

    model_config = ConfigDict(from_attributes=True)

    position: int
    name: str
    state: str
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    result: dict[str, Any] | None
    error: str | None


class JobLogRead(BaseModel):
    """One log line of a job."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    level: str
    message: str


class JobSummary(BaseModel):
    """A job in a listing."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    state: str
    progress: float
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    error: str | None


class JobRead(JobSummary):
    """A job with its steps, log and result."""

    params: dict[str, Any]
    result: dict[str, Any] | None
    steps: list[JobStepRead]
    log: list[JobLogRead]


class JobAccepted(BaseModel):
    """The answer to a long operation: the job to follow."""

    job: JobSummary


class AuditRead(BaseModel):
    """One audit record."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    tenant_finess: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str
    key_id: str | None = Field(
        default=None, description="The key the record is chained with (null: plain SHA-256, "
        "before the chain was keyed).")


class AuditVerification(BaseModel):
    """The result of walking the audit chain."""

    ok: bool
    first_bad: int | None = Field(description="The first broken record's id.")
    first_bad_seq: int | None = Field(default=None,
                                      description="The first broken record's sequence number.")
    checked: int
    reason: str | None
