"""``socle hosting request|subscription|quota ...``: requests (``approve`` queues the
provisioning job a worker runs), subscriptions and quotas from the command line.
"""

from __future__ import annotations

import typer

from controlplane.auth import system_principal
from controlplane.cli.common import (
    JsonOption,
    emit_item,
    emit_query,
    emit_row,
    handle_errors,
    local_actor,
    sub_app,
    transaction,
)
from hosting.errors import store
from hosting.providers.cli import _pairs
from hosting.subscriptions import quotas
from hosting.subscriptions import service as lifecycle
from hosting.subscriptions.models import HostingRequest, Subscription
from hosting.subscriptions.schemas import RequestCreate, RequestRead, RequestState, SubscriptionRead

app = typer.Typer()
request_app = sub_app(app, "request", "Requests of establishments, approval and rejection.")
subscription_app = sub_app(app, "subscription", "Subscriptions and their provisioned resources.")
quota_app = sub_app(app, "quota", "Monthly hosting quotas per establishment.")


# --- requests ------------------------------------------------------------------------


@request_app.command("create")
@handle_errors
def request_create(
    offer: str = typer.Option(..., help="Offer code."),
    tenant: str = typer.Option(..., help="FINESS of the establishment."),
    param: list[str] = typer.Option([], help="NAME=VALUE; repeat for several."),
    as_json: bool = JsonOption,
) -> None:
    """Request an offer for an establishment (shows its cost and placement)."""
    values = {k: int(v) for k, v in _pairs(param, "param").items()}
    data = RequestCreate(offer=offer, tenant=tenant, parameters=values)
    caller = system_principal(local_actor())
    emit_row(lambda db: lifecycle.create_request(db, data, caller=caller), RequestRead, as_json,
             write=True)


@request_app.command("list")
@handle_errors
def request_list(
    tenant: str | None = typer.Option(None, help="FINESS."),
    state: RequestState | None = typer.Option(None, case_sensitive=False),
    as_json: bool = JsonOption,
) -> None:
    """List requests, newest first."""
    columns = ["id", "tenant", "offer", "state", "monthly_cost_cents", "reason"]
    emit_query(lifecycle.request_query(tenant=tenant, state=state), RequestRead, as_json,
               title="Requests", columns=columns)


@request_app.command("show")
@handle_errors
def request_show(request_id: int, as_json: bool = JsonOption) -> None:
    """Show a request with its plan."""
    with transaction(write=False) as db:
        emit_item(RequestRead.model_validate(store.get(db, HostingRequest, request_id)), as_json)


@request_app.command("approve")
@handle_errors
def request_approve(request_id: int, as_json: bool = JsonOption) -> None:
    """Approve (or retry) a request: queues the provisioning job."""
    emit_row(lambda db: lifecycle.approve(
            db, store.get(db, HostingRequest, request_id), actor=local_actor()
        ), RequestRead, as_json, write=True)


@request_app.command("reject")
@handle_errors
def request_reject(
    request_id: int, reason: str = typer.Option(...), as_json: bool = JsonOption
) -> None:
    """Reject a pending request with a reason."""
    emit_row(lambda db: lifecycle.reject(
            db, store.get(db, HostingRequest, request_id), reason, actor=local_actor()
        ), RequestRead, as_json, write=True)


# --- subscriptions and quotas --------------------------------------------------------


@subscription_app.command("list")
@handle_errors
def subscription_list(
    tenant: str | None = typer.Option(None, help="FINESS."), as_json: bool = JsonOption
) -> None:
    """List subscriptions."""
    columns = ["id", "tenant", "offer", "state", "monthly_cost_cents"]
    emit_query(lifecycle.subscription_query(tenant=tenant), SubscriptionRead, as_json,
               title="Subscriptions", columns=columns)


@subscription_app.command("show")
@handle_errors
def subscription_show(subscription_id: int, as_json: bool = JsonOption) -> None:
    """Show a subscription and its resources."""
    with transaction(write=False) as db:
        row = store.get(db, Subscription, subscription_id)
        emit_item(SubscriptionRead.model_validate(row), as_json)


@quota_app.command("show")
@handle_errors
def quota_show(finess: str, as_json: bool = JsonOption) -> None:
    """Show an establishment's quota and use."""
    with transaction(write=False) as db:
        emit_item(quotas.describe(db, store.tenant(db, finess)), as_json)


@quota_app.command("set")
@handle_errors
def quota_set(
    finess: str, max_monthly_cost_cents: int = typer.Option(...), as_json: bool = JsonOption
) -> None:
    """Set an establishment's monthly budget (cents)."""
    with transaction() as db:
        answer = quotas.set_quota(
            db, store.tenant(db, finess), max_monthly_cost_cents, actor=local_actor()
        )
    emit_item(answer, as_json)
