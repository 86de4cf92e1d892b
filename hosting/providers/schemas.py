"""Pydantic shapes of the HDS providers, and the field rules the hosting plane's other
shapes reuse (natural keys, names, amounts in cents, strict bodies).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import (
    BeforeValidator,
    Field,
    computed_field,
    field_validator,
)

from controlplane.schemas import INT4_MAX, Answer, StrictBody, natural_key
from hosting.secrets import SECRETS
from hosting.subscriptions.placement import EEA_COUNTRIES

_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")



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


ProviderKey = Annotated[str, BeforeValidator(natural_key("name"))]
Name = Annotated[str, Field(min_length=1, max_length=100)]




# --- providers -----------------------------------------------------------------------


class ProviderCreate(StrictBody):
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


class ProviderUpdate(StrictBody):
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


class ProviderRead(Answer):
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


class ProviderCapacityRead(ProviderRead):
    """A provider and how much of its capacity placed requests hold (approved,
    provisioning or active: :mod:`hosting.subscriptions.capacity`), so an operator sees
    what is left before approving."""

    held_gb: int
    left_gb: int
    held_vcpus: int
    left_vcpus: int
