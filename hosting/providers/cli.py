"""``socle hosting provider ...``: HDS providers from the command line.

``list`` (``--json`` for scripts) and ``show``; operators create and update. The
commands call the same service functions as the API, with the CLI's full scope,
audited as the local user.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import typer

from controlplane.cli.common import (
    JsonOption,
    emit_item,
    emit_row,
    emit_rows,
    handle_errors,
    local_actor,
    sub_app,
    transaction,
)
from controlplane.errors import InvalidInput
from hosting.errors import store
from hosting.providers import service as providers
from hosting.providers.models import HostingProvider
from hosting.providers.schemas import ProviderCreate, ProviderRead, ProviderUpdate
from hosting.secrets import SECRETS

app = typer.Typer()


provider_app = sub_app(app, "provider", "HDS providers (certificate, location, endpoints).")


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
    emit_row(lambda db: providers.create_provider(db, data, actor=local_actor()), ProviderRead,
             as_json, write=True)


@provider_app.command("update")
@handle_errors
def provider_update(
    name: str,
    expires: str | None = typer.Option(None, help="New certificate expiry (YYYY-MM-DD)."),
    s3_endpoint: str | None = typer.Option(None),
    ec2_endpoint: str | None = typer.Option(None),
    capacity_gb: int | None = typer.Option(None),
    capacity_vcpus: int | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    """Renew a certificate, move an endpoint or change capacity."""
    fields = {
        "certificate_expires_on": date.fromisoformat(expires) if expires else None,
        "s3_endpoint": s3_endpoint,
        "ec2_endpoint": ec2_endpoint,
        "capacity_gb": capacity_gb,
        "capacity_vcpus": capacity_vcpus,
    }
    data = ProviderUpdate(**{k: v for k, v in fields.items() if v is not None})
    emit_row(lambda db: providers.update_provider(
            db, store.by_key(db, HostingProvider, name), data, actor=local_actor()
        ), ProviderRead, as_json, write=True)


@provider_app.command("list")
@handle_errors
def provider_list(as_json: bool = JsonOption) -> None:
    """List providers, with the capacity (GB, vCPUs) placed requests leave."""
    columns = ["id", "name", "country", "location", "certificate_expires_on", "in_eea",
               "left_gb", "capacity_gb", "left_vcpus", "capacity_vcpus"]
    with transaction(write=False) as db:
        shown = providers.with_capacity(db, list(db.scalars(providers.provider_query())))
    emit_rows(shown, as_json, title="Providers", columns=columns)


@provider_app.command("show")
@handle_errors
def provider_show(name: str, as_json: bool = JsonOption) -> None:
    """Show a provider, with the capacity placed requests hold and what is left."""
    with transaction(write=False) as db:
        [shown] = providers.with_capacity(db, [store.by_key(db, HostingProvider, name)])
    emit_item(shown, as_json)
