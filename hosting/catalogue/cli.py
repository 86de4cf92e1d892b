"""``socle hosting offer ...``: the catalogue from the command line.
"""

from __future__ import annotations

import typer

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
from hosting.catalogue import service as catalogue
from hosting.catalogue.models import Offer
from hosting.catalogue.schemas import (
    BackupFrequency,
    OfferCreate,
    OfferKind,
    OfferRead,
    ParameterSpec,
)
from hosting.errors import store
from hosting.providers.cli import _pairs

app = typer.Typer()
offer_app = sub_app(app, "offer", "The catalogue of offers.")


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
    emit_row(lambda db: catalogue.create_offer(db, data, actor=local_actor()), OfferRead, as_json,
             write=True)


@offer_app.command("list")
@handle_errors
def offer_list(
    kind: OfferKind | None = typer.Option(None, case_sensitive=False), as_json: bool = JsonOption
) -> None:
    """List the catalogue."""
    columns = ["id", "code", "name", "kind", "monthly_price_cents", "copies", "active"]
    emit_query(catalogue.offer_query(kind=kind), OfferRead, as_json, title="Offers",
               columns=columns)


@offer_app.command("show")
@handle_errors
def offer_show(code: str, as_json: bool = JsonOption) -> None:
    """Show an offer."""
    with transaction(write=False) as db:
        emit_item(OfferRead.model_validate(store.by_key(db, Offer, code.lower())), as_json)
