"""Hosting pages: what :mod:`hosting.console` routes (thin handlers over the plane's
services, read through the visitor's tenant-scoped session)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from controlplane.api.deps import Paging
from controlplane.api.pagination import page_of
from controlplane.console import Visitor, allowed, console_router, render
from controlplane.console.forms import FormErrors
from controlplane.errors import Conflict, InvalidInput
from hosting.catalogue import service as catalogue
from hosting.catalogue.models import Offer
from hosting.catalogue.schemas import OfferRead
from hosting.console import labels
from hosting.console.quote import PREFIX, Quote, quote
from hosting.errors import store
from hosting.subscriptions import service as lifecycle
from hosting.subscriptions.models import HostingRequest
from hosting.subscriptions.schemas import (
    RequestCreate,
    RequestRead,
    RequestReject,
    RequestState,
    SubscriptionRead,
)

router = console_router()

Reader = Annotated[Visitor, allowed("hosting:read")]
Requester = Annotated[Visitor, allowed("hosting:request")]
Writer = Annotated[Visitor, allowed("hosting:write")]
PAGE_SIZE = 50
DECIDABLE = (RequestState.REQUESTED.value, RequestState.FAILED.value)
WORDS = {"kinds": labels.OFFER_KINDS, "states": labels.REQUEST_STATES,
         "badges": labels.REQUEST_BADGES, "frequencies": labels.FREQUENCIES}


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    return render(request, name, {**WORDS, "euros": labels.euros, **context}, status=status)


@router.get("/console/hosting")
def offers(request: Request, visitor: Reader) -> Response:
    """The catalogue of open offers, with their prices and parameter ranges."""
    with visitor.read() as db:
        rows = [OfferRead.model_validate(o) for o in db.scalars(catalogue.offer_query(active=True))]
    return _page(request, "hosting/offers.html", {"offers": rows})


def _offer(visitor: Visitor, code: str) -> OfferRead:
    with visitor.read() as db:
        offer = OfferRead.model_validate(store.by_key(db, Offer, code.strip().lower()))
    return offer


def _spec(offer: OfferRead) -> dict[str, dict[str, Any]]:
    return {name: rule.model_dump() for name, rule in offer.parameters.items()}


def _form(request: Request, offer: OfferRead, found: Quote, *, tenant: str = "",
          errors: FormErrors | None = None, status: int = 200) -> Response:
    context = {"offer": offer, "quote": found, "prefix": PREFIX, "tenant": tenant,
               "errors": errors or FormErrors()}
    return _page(request, "hosting/request_form.html", context, status)


@router.get("/console/hosting/offers/{code}")
def request_form(request: Request, code: str, visitor: Requester) -> Response:
    """The request form; its parameters in the query string price it before sending."""
    offer = _offer(visitor, code)
    found = quote(_spec(offer), offer.monthly_price_cents, request.query_params)
    return _form(request, offer, found, tenant=request.query_params.get("tenant", ""))


@router.get("/console/hosting/offers/{code}/cost")
def cost(request: Request, code: str, visitor: Requester) -> Response:
    """The quote alone (htmx swaps it into the form as the fields change)."""
    offer = _offer(visitor, code)
    found = quote(_spec(offer), offer.monthly_price_cents, request.query_params)
    return _page(request, "hosting/_cost.html", {"offer": offer, "quote": found})


@router.post("/console/hosting/offers/{code}")
async def send_request(request: Request, code: str, visitor: Requester) -> Response:
    """Record the request with :func:`hosting.subscriptions.service.create_request` (cost
    re-checked, quota enforced, placement planned); then its page. (The form's field names depend
    on the offer, so it is read here; the database work runs in the thread pool.)"""
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_record_request, request, code, visitor, form)


def _record_request(request: Request, code: str, visitor: Visitor,
                    form: dict[str, str]) -> Response:
    offer = _offer(visitor, code)
    found = quote(_spec(offer), offer.monthly_price_cents, form)
    tenant = form.get("tenant", "").strip().upper()
    on_behalf = visitor.principal.tenant_id is None  # an operator names the establishment
    errors = FormErrors()
    if on_behalf and not tenant:
        errors.fields["tenant"] = "Indiquez le numéro FINESS de l’établissement."
    if found.errors or errors:
        return _form(request, offer, found, tenant=tenant, errors=errors, status=422)
    try:
        data = RequestCreate(offer=offer.code, parameters=found.values,
                             tenant=tenant if on_behalf else None)
        with visitor.write() as db:
            made = lifecycle.create_request(db, data, caller=visitor.principal)
    except ValidationError as exc:
        errors = FormErrors.from_validation(exc)
        return _form(request, offer, found, tenant=tenant, errors=errors, status=422)
    except (Conflict, InvalidInput) as exc:
        return _form(request, offer, found, tenant=tenant, errors=FormErrors.from_domain(exc),
                     status=422 if isinstance(exc, InvalidInput) else 409)
    return RedirectResponse(f"/console/hosting/requests/{made.id}?sent=1", status_code=303)


@router.get("/console/hosting/requests")
def requests(request: Request, visitor: Reader, state: str = "", offset: int = 0) -> Response:
    """Requests, newest first; operators land on those waiting for a decision."""
    if state not in labels.REQUEST_STATES and state != "all":
        state = "requested" if visitor.can("hosting:write") else "all"
    stmt = lifecycle.request_query(state=None if state == "all" else RequestState(state))
    with visitor.read() as db:
        page = page_of(db, stmt, Paging(limit=PAGE_SIZE, offset=max(0, offset)), RequestRead)
    context = {"page": page, "state": state, "offset": max(0, offset), "page_size": PAGE_SIZE}
    return _page(request, "hosting/requests.html", context)


@router.get("/console/hosting/requests/{request_id}")
def request_detail(request: Request, request_id: int, visitor: Reader,
                   sent: bool = False) -> Response:
    """A request (404 page if another tenant's): cost, placement explained, decision."""
    with visitor.read() as db:
        found = RequestRead.model_validate(store.get(db, HostingRequest, request_id))
    context = {"req": found, "sent": sent, "decidable": found.state.value in DECIDABLE,
               "errors": FormErrors(), "reason": ""}
    return _page(request, "hosting/request.html", context)


@router.post("/console/hosting/requests/{request_id}/approve")
def approve(request_id: int, visitor: Writer) -> Response:
    """Approve (or retry): the provisioning job's page, followed live."""
    with visitor.write() as db:
        approved = lifecycle.approve(db, store.get(db, HostingRequest, request_id),
                                     actor=visitor.principal.actor)
        job_id = approved.job_id
    return RedirectResponse(f"/console/jobs/{job_id}", status_code=303)


@router.post("/console/hosting/requests/{request_id}/reject")
def reject(request: Request, request_id: int, visitor: Writer,
           reason: Annotated[str, Form()] = "") -> Response:
    """Refuse a pending request with the reason the establishment will read."""
    try:
        body = RequestReject(reason=reason.strip())
    except ValidationError as exc:
        with visitor.read() as db:
            found = RequestRead.model_validate(store.get(db, HostingRequest, request_id))
        context = {"req": found, "sent": False, "decidable": found.state.value in DECIDABLE,
                   "errors": FormErrors.from_validation(exc), "reason": reason}
        return _page(request, "hosting/request.html", context, status=422)
    with visitor.write() as db:
        lifecycle.reject(db, store.get(db, HostingRequest, request_id), body.reason,
                         actor=visitor.principal.actor)
    return RedirectResponse(f"/console/hosting/requests/{request_id}", status_code=303)


@router.get("/console/hosting/subscriptions")
def subscriptions(request: Request, visitor: Reader, offset: int = 0) -> Response:
    """Subscriptions with their resources, newest first (an establishment: its own)."""
    with visitor.read() as db:
        page = page_of(db, lifecycle.subscription_query(),
                       Paging(limit=PAGE_SIZE, offset=max(0, offset)), SubscriptionRead)
    context = {"page": page, "offset": max(0, offset), "page_size": PAGE_SIZE}
    return _page(request, "hosting/subscriptions.html", context)
