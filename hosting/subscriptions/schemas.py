"""Pydantic shapes of requests, subscriptions, their resources and quotas.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import (
    Field,
)

from controlplane.schemas import Answer, Finess, StrictBody, TenantKey
from hosting.catalogue.schemas import Cents, OfferKey
from hosting.providers.schemas import ProviderKey


class RequestState(StrEnum):
    """Where a request is in its life."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    FAILED = "failed"


# --- requests and subscriptions ------------------------------------------------------


class RequestCreate(StrictBody):
    """A request for an offer. An establishment's ``tenant`` defaults to its own."""

    offer: str = Field(max_length=64, examples=["backup-gold"])
    tenant: Finess | None = Field(default=None, description="FINESS of the establishment.")
    parameters: dict[str, int] = Field(default_factory=dict, max_length=20)


class RequestReject(StrictBody):
    """Why a request is refused (told to the establishment)."""

    reason: str = Field(min_length=1, max_length=1000)


class RequestRead(Answer):
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


class ResourceRead(Answer):
    """A resource provisioned at a provider."""

    key: str
    kind: str
    provider: ProviderKey
    external_id: str
    details: dict[str, Any]


class SubscriptionRead(Answer):
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


class QuotaSet(StrictBody):
    """A tenant's monthly hosting budget."""

    max_monthly_cost_cents: Cents


class QuotaRead(Answer):
    """A tenant's quota and what its open requests and subscriptions already use."""

    tenant: TenantKey
    max_monthly_cost_cents: int
    used_monthly_cost_cents: int
