"""Pydantic shapes of enrolments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from apps.catalogue.schemas import _Answer, _Body
from controlplane.finess import validate_finess
from controlplane.schemas import PartialUpdate


def _finess(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else value.finess


class EnrolmentCreate(_Body):
    """Enrol an establishment in a service, with its settings."""

    tenant: str = Field(description="FINESS.")
    service: str
    settings: dict[str, Any] = Field(default_factory=dict)

    @field_validator("tenant")
    @classmethod
    def _tenant(cls, value: str) -> str:
        return validate_finess(value)


class EnrolmentUpdate(PartialUpdate):
    """New settings for an enrolment (they replace the old ones whole)."""

    settings: dict[str, Any]


class EnrolmentRead(_Answer):
    """An enrolment."""

    id: int
    tenant: Annotated[str, BeforeValidator(_finess)]
    service: str
    settings: dict[str, Any]
    created_at: datetime
