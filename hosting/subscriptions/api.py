"""``/api/v1/hosting/requests``, ``/subscriptions`` and ``/quotas``.

Reads need ``hosting:read`` (an establishment sees only its own requests,
subscriptions and quota: another tenant's answers 404); an establishment requests
with ``hosting:request``; operators decide requests and set quotas with
``hosting:write``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from controlplane.api.deps import DbSession, PageParams, TenantFiness, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.models import Job
from controlplane.schemas import JobAccepted, JobSummary, Page, RowId
from hosting.errors import store
from hosting.subscriptions import quotas
from hosting.subscriptions import service as lifecycle
from hosting.subscriptions.models import HostingRequest, Subscription
from hosting.subscriptions.schemas import (
    QuotaRead,
    QuotaSet,
    RequestCreate,
    RequestRead,
    RequestReject,
    RequestState,
    SubscriptionRead,
)

router = APIRouter()

Reader = Annotated[Principal, require("hosting:read")]
Requester = Annotated[Principal, require("hosting:request")]
Writer = Annotated[Principal, require("hosting:write")]
CREATED = status.HTTP_201_CREATED


# --- requests ------------------------------------------------------------------------


@router.post("/requests", status_code=CREATED, response_model=RequestRead)
def create_request(body: RequestCreate, db: DbSession, caller: Requester) -> RequestRead:
    """Request an offer: its cost and plan (placement, explained) come back at once."""
    return RequestRead.model_validate(lifecycle.create_request(db, body, caller=caller))


@router.get("/requests", response_model=Page[RequestRead], responses=EXPORT_RESPONSES)
def list_requests(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    tenant: TenantFiness = None,
    state: RequestState | None = None,
    offer: Annotated[str | None, Query(max_length=64, description="Offer code.")] = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[RequestRead] | Response:
    """Requests, newest first (an establishment: its own)."""
    stmt = lifecycle.request_query(tenant=tenant, state=state, offer=offer)
    return page_or_export(db, stmt, paging, RequestRead, format, title="Demandes d'hébergement")


@router.get("/requests/{request_id}", response_model=RequestRead)
def get_request(request_id: RowId, db: DbSession, caller: Reader) -> RequestRead:
    """One request with its plan (404 if another tenant's)."""
    return RequestRead.model_validate(store.get(db, HostingRequest, request_id))


@router.post(
    "/requests/{request_id}/approve",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobAccepted,
)
def approve_request(request_id: RowId, db: DbSession, caller: Writer) -> JobAccepted:
    """Approve a request (or retry a failed one): the provisioning job to follow."""
    request = lifecycle.approve(db, store.get(db, HostingRequest, request_id), actor=caller.actor)
    job = db.get_one(Job, request.job_id)
    return JobAccepted(job=JobSummary.model_validate(job))


@router.post("/requests/{request_id}/reject", response_model=RequestRead)
def reject_request(
    request_id: RowId, body: RequestReject, db: DbSession, caller: Writer
) -> RequestRead:
    """Refuse a pending request, with the reason told to the establishment."""
    request = store.get(db, HostingRequest, request_id)
    return RequestRead.model_validate(
        lifecycle.reject(db, request, body.reason, actor=caller.actor)
    )


# --- subscriptions and quotas --------------------------------------------------------


@router.get("/subscriptions", response_model=Page[SubscriptionRead], responses=EXPORT_RESPONSES)
def list_subscriptions(
    db: DbSession, paging: PageParams, caller: Reader, tenant: TenantFiness = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[SubscriptionRead] | Response:
    """Subscriptions with their resources, newest first (an establishment: its own)."""
    return page_or_export(db, lifecycle.subscription_query(tenant=tenant), paging, SubscriptionRead,
                          format, title="Abonnements")


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionRead)
def get_subscription(subscription_id: RowId, db: DbSession, caller: Reader) -> SubscriptionRead:
    """One subscription and its resources (404 if another tenant's)."""
    return SubscriptionRead.model_validate(store.get(db, Subscription, subscription_id))


@router.get("/quotas/{finess}", response_model=QuotaRead)
def get_quota(finess: str, db: DbSession, caller: Reader) -> QuotaRead:
    """A tenant's monthly budget and its use (404 if another tenant's)."""
    return quotas.describe(db, store.tenant(db, finess))


@router.put("/quotas/{finess}", response_model=QuotaRead)
def set_quota(finess: str, body: QuotaSet, db: DbSession, caller: Writer) -> QuotaRead:
    """Set a tenant's monthly budget."""
    tenant = store.tenant(db, finess)
    return quotas.set_quota(db, tenant, body.max_monthly_cost_cents, actor=caller.actor)
