"""A request's life: an establishment asks, an operator approves (a job provisions) or rejects.

Every transition is audited in the caller's transaction. Bad input (unknown offer,
parameters out of range, quota exceeded, another tenant) raises before anything is
written. Approval takes the providers' capacity (:mod:`hosting.subscriptions.capacity`):
it re-plans under a lock on the providers, so two approvals never both take the last of
it, and a placement that no longer fits is refused with what each provider has left.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from controlplane import jobs
from controlplane.auth import Principal
from controlplane.models import Tenant
from controlplane.rows import snapshot
from controlplane.tenants import of_tenant
from hosting import errors
from hosting.catalogue import pricing
from hosting.catalogue.models import Offer
from hosting.errors import store
from hosting.subscriptions import capacity, plans, quotas
from hosting.subscriptions.models import HostingRequest, Subscription
from hosting.subscriptions.schemas import RequestCreate, RequestRead, RequestState

PROVISION_JOB = "hosting.provision"
APPROVABLE = (RequestState.REQUESTED, RequestState.FAILED)  # approving a failed one retries


def _tenant(db: Session, data: RequestCreate, caller: Principal) -> Tenant:
    if data.tenant is not None:
        return store.tenant(db, data.tenant)
    if caller.tenant_id is None:
        raise errors.invalid("tenant", "required (the FINESS of the establishment)")
    return store.get(db, Tenant, caller.tenant_id)


def _open_offer(db: Session, code: str) -> Offer:
    offer = store.find(db, Offer, code.strip().lower())
    if offer is None or not offer.active:
        raise errors.invalid("offer", f"no open offer {code}", code=errors.UNKNOWN_REFERENCE)
    return offer


def create_request(
    db: Session, data: RequestCreate, *, caller: Principal, today: date | None = None
) -> HostingRequest:
    """Record a request with its cost and plan (404 another tenant, 422 input, 409 quota)."""
    tenant = _tenant(db, data, caller)
    offer = _open_offer(db, data.offer)
    values = pricing.resolve_parameters(offer.parameters, data.parameters)
    cost = pricing.monthly_cost(offer.monthly_price_cents, offer.parameters, values)
    quotas.check(db, tenant, cost)
    request = HostingRequest(
        tenant_id=tenant.id,
        tenant=tenant,
        offer=offer,
        parameters=values,
        monthly_cost_cents=cost,
        state=RequestState.REQUESTED.value,
        requested_by=caller.actor,
    )
    db.add(request)
    db.flush()
    request.plan = plans.plan(db, request, today or date.today(), capacity.held(db))
    db.flush()
    store.record(db, request, actor=caller.actor, verb="create", read=RequestRead)
    return request


def approve(
    db: Session, request: HostingRequest, *, actor: str, today: date | None = None
) -> HostingRequest:
    """Approve (or, after a failure, retry): re-plan and queue the provisioning job.

    409 when the request is in another state or no placement satisfies the policy (with
    each provider's reasons, what it has left among them).
    """
    before = snapshot(request, RequestRead)
    _move(db, request, APPROVABLE, RequestState.APPROVED)
    capacity.lock_providers(db)
    held = capacity.held(db, excluding=request.id)
    plan = plans.plan(db, request, today or date.today(), held)
    if not plan["placement"]["ok"]:
        raise errors.conflict(
            errors.UNPLACEABLE, "placement", "; ".join(plan["placement"]["reasons"])
        )
    job = jobs.enqueue(
        db,
        kind=PROVISION_JOB,
        params={"request_id": request.id},
        actor=actor,
        tenant_id=request.tenant_id,
        tenant_finess=request.tenant.finess,
    )
    request.plan = plan
    request.reason = None
    request.decided_by = actor
    request.job_id = job.id
    db.flush()
    store.record(db, request, actor=actor, verb="approve", read=RequestRead, before=before)
    return request


def reject(db: Session, request: HostingRequest, reason: str, *, actor: str) -> HostingRequest:
    """Refuse a pending request, telling why (409 if it is no longer pending)."""
    before = snapshot(request, RequestRead)
    _move(db, request, (RequestState.REQUESTED,), RequestState.REJECTED)
    request.reason = reason
    request.decided_by = actor
    db.flush()
    store.record(db, request, actor=actor, verb="reject", read=RequestRead, before=before)
    return request


def _move(
    db: Session, request: HostingRequest, allowed: tuple[RequestState, ...], to: RequestState
) -> None:
    """Move ``request`` to ``to`` if it is in one of the ``allowed`` states (else 409).

    A conditional UPDATE, so of two operators deciding at once only one wins.
    """
    moved = db.execute(
        update(HostingRequest)
        .where(
            HostingRequest.id == request.id,
            HostingRequest.state.in_([s.value for s in allowed]),
        )
        .values(state=to.value)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        db.refresh(request)
        names = " or ".join(s.value for s in allowed)
        raise errors.conflict(
            errors.WRONG_STATE, "state", f"request {request.id} is {request.state}, not {names}"
        )
    request.state = to.value


def request_query(
    *, tenant: str | None = None, state: RequestState | None = None, offer: str | None = None
) -> Select[tuple[HostingRequest]]:
    """Requests newest first, filtered by tenant FINESS, state and offer code."""
    stmt = select(HostingRequest).order_by(HostingRequest.id.desc())
    if tenant:
        stmt = stmt.where(of_tenant(HostingRequest.tenant_id, tenant))
    if state:
        stmt = stmt.where(HostingRequest.state == state.value)
    if offer:
        stmt = stmt.where(
            HostingRequest.offer_id.in_(select(Offer.id).where(Offer.code == offer.strip().lower()))
        )
    return stmt


def subscription_query(*, tenant: str | None = None) -> Select[tuple[Subscription]]:
    """Subscriptions newest first, filtered by tenant FINESS."""
    stmt = select(Subscription).order_by(Subscription.id.desc())
    if tenant:
        stmt = stmt.where(of_tenant(Subscription.tenant_id, tenant))
    return stmt
