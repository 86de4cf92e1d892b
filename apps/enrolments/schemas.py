"""Pydantic shapes of enrolments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from controlplane.schemas import Answer, Finess, PartialUpdate, StrictBody, TenantKey


class EnrolmentCreate(StrictBody):
    """Enrol an establishment in a service, with its settings."""

    tenant: Finess = Field(description="FINESS.")
    service: str
    settings: dict[str, Any] = Field(default_factory=dict)


class EnrolmentUpdate(PartialUpdate):
    """New settings for an enrolment (they replace the old ones whole)."""

    settings: dict[str, Any]


class EnrolmentRead(Answer):
    """An enrolment."""

    id: int
    tenant: TenantKey
    service: str
    settings: dict[str, Any]
    created_at: datetime
