"""The hosting plane's HTTP API: ``/api/v1/hosting/...`` (providers, offers, requests,
subscriptions, quotas).

Thin handlers over :mod:`hosting.catalogue`, :mod:`hosting.lifecycle` and
:mod:`hosting.quotas`. Reads need ``hosting:read`` (an establishment sees only its own
requests, subscriptions and quota: another tenant's answers 404); an establishment
requests with ``hosting:request``; operators write the catalogue and decide requests
with ``hosting:write``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from controlplane.api.deps import API_PREFIX, DbSession, PageParams, TenantFiness, require
from controlplane.api.pagination import page_of
from controlplane.api.problems import PROBLEM_RESPONSES
from controlplane.auth import Principal
from controlplane.models import Job
from controlplane.schemas import JobAccepted, JobSummary, Page, RowId
from hosting import catalogue, lifecycle, quotas, store
from hosting.api_archive import router as archive_router
from hosting.api_backups import router as backups_router
from hosting.api_dr import router as dr_router
from hosting.models import HostingProvider, HostingRequest, Offer, Subscription
from hosting.pulumi_api import router as pulumi_router
from hosting.schemas import (
    OfferCreate,
    OfferKind,
    OfferRead,
    OfferUpdate,
    ProviderCreate,
    ProviderRead,
    ProviderUpdate,
    QuotaRead,
    QuotaSet,
    RequestCreate,
    RequestRead,
    RequestReject,
    RequestState,
    SubscriptionRead,
)

router = APIRouter(prefix=f"{API_PREFIX}/hosting", tags=["hosting"], responses=PROBLEM_RESPONSES)

Reader = Annotated[Principal, require("hosting:read")]
Requester = Annotated[Principal, require("hosting:request")]
Writer = Annotated[Principal, require("hosting:write")]
CREATED = status.HTTP_201_CREATED


# --- providers -----------------------------------------------------------------------


@router.post("/providers", status_code=CREATED, response_model=ProviderRead)
def create_provider(body: ProviderCreate, db: DbSession, caller: Writer) -> ProviderRead:
    """Register an HDS provider (409 if its name exists)."""
    return ProviderRead.model_validate(catalogue.create_provider(db, body, actor=caller.actor))


@router.get("/providers", response_model=Page[ProviderRead])
def list_providers(db: DbSession, paging: PageParams, caller: Reader) -> Page[ProviderRead]:
    """Providers, by name."""
    return page_of(db, catalogue.provider_query(), paging, ProviderRead)


@router.get("/providers/{provider_id}", response_model=ProviderRead)
def get_provider(provider_id: RowId, db: DbSession, caller: Reader) -> ProviderRead:
    """One provider."""
    return ProviderRead.model_validate(store.get(db, HostingProvider, provider_id))


@router.patch("/providers/{provider_id}", response_model=ProviderRead)
def update_provider(
    provider_id: RowId, body: ProviderUpdate, db: DbSession, caller: Writer
) -> ProviderRead:
    """Renew a provider's certificate, move an endpoint, change its capacity."""
    provider = store.get(db, HostingProvider, provider_id)
    return ProviderRead.model_validate(
        catalogue.update_provider(db, provider, body, actor=caller.actor)
    )


# --- offers --------------------------------------------------------------------------


@router.post("/offers", status_code=CREATED, response_model=OfferRead)
def create_offer(body: OfferCreate, db: DbSession, caller: Writer) -> OfferRead:
    """Add an offer to the catalogue (409 if its code exists)."""
    return OfferRead.model_validate(catalogue.create_offer(db, body, actor=caller.actor))


@router.get("/offers", response_model=Page[OfferRead])
def list_offers(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    kind: OfferKind | None = None,
    active: bool | None = None,
) -> Page[OfferRead]:
    """The catalogue, by code."""
    return page_of(db, catalogue.offer_query(kind=kind, active=active), paging, OfferRead)


@router.get("/offers/{offer_id}", response_model=OfferRead)
def get_offer(offer_id: RowId, db: DbSession, caller: Reader) -> OfferRead:
    """One offer."""
    return OfferRead.model_validate(store.get(db, Offer, offer_id))


@router.patch("/offers/{offer_id}", response_model=OfferRead)
def update_offer(offer_id: RowId, body: OfferUpdate, db: DbSession, caller: Writer) -> OfferRead:
    """Edit an offer (price, ranges, name, withdrawal)."""
    offer = store.get(db, Offer, offer_id)
    return OfferRead.model_validate(catalogue.update_offer(db, offer, body, actor=caller.actor))


# --- requests ------------------------------------------------------------------------


@router.post("/requests", status_code=CREATED, response_model=RequestRead)
def create_request(body: RequestCreate, db: DbSession, caller: Requester) -> RequestRead:
    """Request an offer: its cost and plan (placement, explained) come back at once."""
    return RequestRead.model_validate(lifecycle.create_request(db, body, caller=caller))


@router.get("/requests", response_model=Page[RequestRead])
def list_requests(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    tenant: TenantFiness = None,
    state: RequestState | None = None,
    offer: Annotated[str | None, Query(max_length=64, description="Offer code.")] = None,
) -> Page[RequestRead]:
    """Requests, newest first (an establishment: its own)."""
    stmt = lifecycle.request_query(tenant=tenant, state=state, offer=offer)
    return page_of(db, stmt, paging, RequestRead)


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


@router.get("/subscriptions", response_model=Page[SubscriptionRead])
def list_subscriptions(
    db: DbSession, paging: PageParams, caller: Reader, tenant: TenantFiness = None
) -> Page[SubscriptionRead]:
    """Subscriptions with their resources, newest first (an establishment: its own)."""
    return page_of(db, lifecycle.subscription_query(tenant=tenant), paging, SubscriptionRead)


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


router.include_router(archive_router)
router.include_router(pulumi_router)
router.include_router(backups_router)
router.include_router(dr_router)
