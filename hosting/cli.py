"""``socle hosting``: providers, the catalogue, requests, subscriptions and quotas.

Each kind has ``list`` (``--json`` for scripts) and ``show``; operators create providers
and offers, decide requests (``approve`` queues the provisioning job a worker runs) and
set quotas. The commands call the same service functions as the API, with the CLI's
full scope, audited as the local user.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import typer
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import Session

from controlplane.auth import system_principal
from controlplane.cli.common import (
    JsonOption,
    emit_item,
    emit_json,
    emit_table,
    handle_errors,
    local_actor,
    sub_app,
    transaction,
)
from controlplane.errors import InvalidInput
from hosting import catalogue, lifecycle, quotas, store
from hosting.cli_archive import app as archive_app
from hosting.cli_backups import app as backup_app
from hosting.cli_dr import app as dr_app
from hosting.credentials import SECRETS
from hosting.models import HostingProvider, HostingRequest, Offer, Subscription
from hosting.pulumi_cli import export as pulumi_export
from hosting.schemas import (
    BackupFrequency,
    OfferCreate,
    OfferKind,
    OfferRead,
    ParameterSpec,
    ProviderCreate,
    ProviderRead,
    ProviderUpdate,
    RequestCreate,
    RequestRead,
    RequestState,
    SubscriptionRead,
)

app = typer.Typer(help="Hosting plane: HDS providers, catalogue, requests.", no_args_is_help=True)


provider_app = sub_app(app, "provider", "HDS providers (certificate, location, endpoints).")
offer_app = sub_app(app, "offer", "The catalogue of offers.")
request_app = sub_app(app, "request", "Requests of establishments, approval and rejection.")
subscription_app = sub_app(app, "subscription", "Subscriptions and their provisioned resources.")
quota_app = sub_app(app, "quota", "Monthly hosting quotas per establishment.")
app.add_typer(archive_app, name="archive")
app.command("pulumi")(pulumi_export)
app.add_typer(backup_app, name="backup")
app.add_typer(dr_app, name="dr")


def _listing(
    query: Select[Any], read: type[BaseModel], title: str, columns: Sequence[str], as_json: bool
) -> None:
    with transaction(write=False) as db:
        rows = [read.model_validate(row) for row in db.scalars(query)]
    if as_json:
        emit_json(rows)
        return
    dumped = [row.model_dump(mode="json") for row in rows]
    emit_table(title, columns, [[row[c] for c in columns] for row in dumped])


def _write(action: Callable[[Session], Any], read: type[BaseModel], as_json: bool) -> None:
    with transaction() as db:
        item = read.model_validate(action(db))
    emit_item(item, as_json)


def _pairs(texts: Sequence[str], option: str) -> dict[str, str]:
    found = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep:
            raise InvalidInput.on(option, f"{text!r}: write NAME=VALUE")
        found[name.strip()] = value.strip()
    return found


# --- providers -----------------------------------------------------------------------


@provider_app.command("create")
@handle_errors
def provider_create(
    name: str = typer.Option(...),
    activities: str = typer.Option("1,2,3,4,5,6", help="HDS activities covered, e.g. 1,2,6."),
    certification_body: str = typer.Option(...),
    expires: str = typer.Option(..., help="Certificate expiry (YYYY-MM-DD)."),
    country: str = typer.Option(..., help="Where data is stored (ISO alpha-2)."),
    location: str = typer.Option(..., help="Datacentre or city."),
    s3_endpoint: str | None = typer.Option(None),
    s3_region: str | None = typer.Option(None),
    ec2_endpoint: str | None = typer.Option(None),
    credential_ref: str = typer.Option(
        ..., help=f"Where the ACCESS_KEY:SECRET_KEY is: {SECRETS.form}; never the secret."),
    capacity_gb: int = typer.Option(...),
    capacity_vcpus: int = typer.Option(0),
    as_json: bool = JsonOption,
) -> None:
    """Register an HDS provider."""
    data = ProviderCreate(
        name=name,
        certificate_activities=[int(a) for a in activities.split(",") if a.strip()],
        certification_body=certification_body,
        certificate_expires_on=date.fromisoformat(expires),
        country=country,
        location=location,
        s3_endpoint=s3_endpoint,
        s3_region=s3_region,
        ec2_endpoint=ec2_endpoint,
        credential_ref=credential_ref,
        capacity_gb=capacity_gb,
        capacity_vcpus=capacity_vcpus,
    )
    _write(
        lambda db: catalogue.create_provider(db, data, actor=local_actor()), ProviderRead, as_json
    )


@provider_app.command("update")
@handle_errors
def provider_update(
    name: str,
    expires: str | None = typer.Option(None, help="New certificate expiry (YYYY-MM-DD)."),
    s3_endpoint: str | None = typer.Option(None),
    ec2_endpoint: str | None = typer.Option(None),
    capacity_gb: int | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    """Renew a certificate, move an endpoint or change capacity."""
    fields = {
        "certificate_expires_on": date.fromisoformat(expires) if expires else None,
        "s3_endpoint": s3_endpoint,
        "ec2_endpoint": ec2_endpoint,
        "capacity_gb": capacity_gb,
    }
    data = ProviderUpdate(**{k: v for k, v in fields.items() if v is not None})
    _write(
        lambda db: catalogue.update_provider(
            db, store.by_key(db, HostingProvider, name), data, actor=local_actor()
        ),
        ProviderRead,
        as_json,
    )


@provider_app.command("list")
@handle_errors
def provider_list(as_json: bool = JsonOption) -> None:
    """List providers."""
    columns = ["id", "name", "country", "location", "certificate_expires_on", "in_eea"]
    _listing(catalogue.provider_query(), ProviderRead, "Providers", columns, as_json)


@provider_app.command("show")
@handle_errors
def provider_show(name: str, as_json: bool = JsonOption) -> None:
    """Show a provider."""
    with transaction(write=False) as db:
        emit_item(ProviderRead.model_validate(store.by_key(db, HostingProvider, name)), as_json)


# --- offers --------------------------------------------------------------------------


def _parameter(text: str) -> ParameterSpec:
    """``MIN:MAX[:DEFAULT[:UNIT_PRICE_CENTS[:UNIT]]]``."""
    parts = [*text.split(":"), "", "", ""][:5]
    return ParameterSpec(
        min=int(parts[0]),
        max=int(parts[1]),
        default=int(parts[2]) if parts[2] else None,
        unit_price_cents=int(parts[3]) if parts[3] else 0,
        unit=parts[4] or None,
    )


@offer_app.command("create")
@handle_errors
def offer_create(
    code: str = typer.Option(...),
    name: str = typer.Option(...),
    kind: OfferKind = typer.Option(..., case_sensitive=False),
    monthly_price_cents: int = typer.Option(...),
    parameter: list[str] = typer.Option(
        [], help="NAME=MIN:MAX[:DEFAULT[:UNIT_PRICE_CENTS[:UNIT]]]; repeat for several."
    ),
    frequency: BackupFrequency | None = typer.Option(None, help="Backup tiers."),
    retention_days: int | None = typer.Option(None),
    rpo_hours: int | None = typer.Option(None),
    immutable: bool | None = typer.Option(
        None, "--immutable/--no-immutable",
        help="Backup tiers: keep one copy under Object Lock. Archives: always (implied)."),
    copies: int = typer.Option(1),
    image_id: str | None = typer.Option(None, help="VM offers: the image they boot."),
    as_json: bool = JsonOption,
) -> None:
    """Add an offer to the catalogue."""
    data = OfferCreate(
        code=code,
        name=name,
        kind=kind,
        monthly_price_cents=monthly_price_cents,
        parameters={k: _parameter(v) for k, v in _pairs(parameter, "parameter").items()},
        backup_frequency=frequency,
        retention_days=retention_days,
        rpo_hours=rpo_hours,
        immutable=immutable,
        copies=copies,
        image_id=image_id,
    )
    _write(lambda db: catalogue.create_offer(db, data, actor=local_actor()), OfferRead, as_json)


@offer_app.command("list")
@handle_errors
def offer_list(
    kind: OfferKind | None = typer.Option(None, case_sensitive=False), as_json: bool = JsonOption
) -> None:
    """List the catalogue."""
    columns = ["id", "code", "name", "kind", "monthly_price_cents", "copies", "active"]
    _listing(catalogue.offer_query(kind=kind), OfferRead, "Offers", columns, as_json)


@offer_app.command("show")
@handle_errors
def offer_show(code: str, as_json: bool = JsonOption) -> None:
    """Show an offer."""
    with transaction(write=False) as db:
        emit_item(OfferRead.model_validate(store.by_key(db, Offer, code.lower())), as_json)


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
    _write(lambda db: lifecycle.create_request(db, data, caller=caller), RequestRead, as_json)


@request_app.command("list")
@handle_errors
def request_list(
    tenant: str | None = typer.Option(None, help="FINESS."),
    state: RequestState | None = typer.Option(None, case_sensitive=False),
    as_json: bool = JsonOption,
) -> None:
    """List requests, newest first."""
    columns = ["id", "tenant", "offer", "state", "monthly_cost_cents", "reason"]
    _listing(
        lifecycle.request_query(tenant=tenant, state=state),
        RequestRead,
        "Requests",
        columns,
        as_json,
    )


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
    _write(
        lambda db: lifecycle.approve(
            db, store.get(db, HostingRequest, request_id), actor=local_actor()
        ),
        RequestRead,
        as_json,
    )


@request_app.command("reject")
@handle_errors
def request_reject(
    request_id: int, reason: str = typer.Option(...), as_json: bool = JsonOption
) -> None:
    """Reject a pending request with a reason."""
    _write(
        lambda db: lifecycle.reject(
            db, store.get(db, HostingRequest, request_id), reason, actor=local_actor()
        ),
        RequestRead,
        as_json,
    )


# --- subscriptions and quotas --------------------------------------------------------


@subscription_app.command("list")
@handle_errors
def subscription_list(
    tenant: str | None = typer.Option(None, help="FINESS."), as_json: bool = JsonOption
) -> None:
    """List subscriptions."""
    columns = ["id", "tenant", "offer", "state", "monthly_cost_cents"]
    _listing(
        lifecycle.subscription_query(tenant=tenant),
        SubscriptionRead,
        "Subscriptions",
        columns,
        as_json,
    )


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
