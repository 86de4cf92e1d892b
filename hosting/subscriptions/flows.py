"""The provisioning job: an approved request becomes a subscription with its resources.

Steps (each idempotent, so a retry after a mid-job failure converges):

1. ``start``: the request is ``provisioning``; its subscription exists (one per request).
2. ``provision``: each planned resource is ensured at its provider through a driver
   (found by name or idempotency tag, created only if missing) and recorded.
3. ``activate``: the subscription and the request are ``active``.

When a step fails the request is ``failed`` with the error as its reason; what was
created stays recorded on the subscription, and approving the request again retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane import jobs
from controlplane.rows import snapshot
from hosting.drivers import TAG_REQUEST, TAG_RESOURCE, TAG_TENANT
from hosting.errors import store
from hosting.providers import connections
from hosting.providers.models import HostingProvider
from hosting.subscriptions.models import HostingRequest, Resource, Subscription
from hosting.subscriptions.schemas import RequestRead, RequestState
from hosting.subscriptions.service import PROVISION_JOB


def _request(db: Session, ctx: jobs.StepContext) -> HostingRequest:
    return store.get(db, HostingRequest, int(ctx.params["request_id"]))


def _subscription(db: Session, request: HostingRequest) -> Subscription | None:
    return db.scalar(select(Subscription).where(Subscription.request_id == request.id))


def _start(ctx: jobs.StepContext) -> Mapping[str, Any]:
    with ctx.transaction() as db:
        request = _request(db, ctx)
        subscription = _subscription(db, request)
        if subscription is None:
            subscription = Subscription(
                tenant_id=request.tenant_id,
                request_id=request.id,
                offer_id=request.offer_id,
                parameters=request.parameters,
                monthly_cost_cents=request.monthly_cost_cents,
                state="provisioning",
            )
            db.add(subscription)
            db.flush()
        before = snapshot(request, RequestRead)
        request.state = RequestState.PROVISIONING.value
        db.flush()
        store.record(
            db, request, actor=ctx.actor, verb="provision", read=RequestRead, before=before
        )
        subscription_id = subscription.id
    ctx.log(f"request {ctx.params['request_id']} provisioning as subscription {subscription_id}")
    return {"subscription_id": subscription_id}


def _ensure(
    planned: Mapping[str, Any],
    provider: HostingProvider,
    tags: dict[str, str],
    created: Mapping[str, dict[str, Any]],
) -> tuple[str, dict[str, Any]]:
    """Ensure one planned resource at its provider: (external id, details)."""
    if planned["kind"] == "bucket":
        details = connections.storage_for(provider).ensure_bucket(
            planned["name"], tags=tags, lock_days=planned["lock_days"]
        )
        return details["bucket"], details
    if planned["kind"] == "instance":
        details = connections.compute_for(provider).ensure_instance(
            tags=tags, instance_type=planned["instance_type"], image_id=planned["image_id"]
        )
        return details["instance_id"], details
    details = connections.compute_for(provider).ensure_volume(
        tags=tags, size_gb=planned["size_gb"], attach_to=created["instance"]["instance_id"]
    )
    return details["volume_id"], details


def _provision(ctx: jobs.StepContext) -> Mapping[str, Any]:
    subscription_id = int(ctx.results["start"]["subscription_id"])
    with ctx.read() as db:
        request = _request(db, ctx)
        planned_all = list(request.plan.get("resources", []))
        finess, key = request.tenant.finess, request.idempotency_key
    created: dict[str, dict[str, Any]] = {}
    for done, planned in enumerate(planned_all):
        tags = {
            TAG_TENANT: finess,
            TAG_REQUEST: key,
            TAG_RESOURCE: planned["key"],
        }
        with ctx.read() as db:
            provider = store.by_key(db, HostingProvider, planned["provider"])
        external_id, details = _ensure(planned, provider, tags, created)
        created[planned["key"]] = details
        _record(ctx, subscription_id, planned, provider.id, external_id, details)
        ctx.log(f"{planned['kind']} {external_id} ready at {planned['provider']}")
        ctx.progress(done + 1, len(planned_all))
    return {"resources": sorted(created)}


def _record(
    ctx: jobs.StepContext,
    subscription_id: int,
    planned: Mapping[str, Any],
    provider_id: int,
    external_id: str,
    details: dict[str, Any],
) -> None:
    """Record (or update) the resource row of ``planned`` on the subscription."""
    with ctx.transaction() as db:
        subscription = store.get(db, Subscription, subscription_id)
        row = db.scalar(
            select(Resource).where(
                Resource.subscription_id == subscription_id, Resource.key == planned["key"]
            )
        )
        if row is None:
            row = Resource(
                tenant_id=subscription.tenant_id,
                subscription_id=subscription_id,
                key=planned["key"],
                kind=planned["kind"],
            )
            db.add(row)
        row.provider_id = provider_id
        row.external_id = external_id
        row.details = details


def _activate(ctx: jobs.StepContext) -> Mapping[str, Any]:
    subscription_id = int(ctx.results["start"]["subscription_id"])
    with ctx.transaction() as db:
        request = _request(db, ctx)
        before = snapshot(request, RequestRead)
        subscription = store.get(db, Subscription, subscription_id)
        subscription.state = "active"
        request.state = RequestState.ACTIVE.value
        request.reason = None
        db.flush()
        store.record(
            db, request, actor=ctx.actor, verb="activate", read=RequestRead, before=before
        )
    return {"request_id": int(ctx.params["request_id"]), "subscription_id": subscription_id}


def _failed(ctx: jobs.StepContext, message: str) -> None:
    with ctx.transaction() as db:
        request = _request(db, ctx)
        before = snapshot(request, RequestRead)
        request.state = RequestState.FAILED.value
        request.reason = message
        db.flush()
        store.record(db, request, actor=ctx.actor, verb="fail", read=RequestRead, before=before)


PROVISION = jobs.register(
    jobs.JobKind(
        name=PROVISION_JOB,
        steps=(
            jobs.Step("start", _start),
            jobs.Step("provision", _provision),
            jobs.Step("activate", _activate),
        ),
        on_failure=_failed,
        description="Provision an approved hosting request at its providers.",
    )
)
