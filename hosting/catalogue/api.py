"""``/api/v1/hosting/offers``: the catalogue. Reads need ``hosting:read``, writes
``hosting:write``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from controlplane.api.deps import DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import Page, RowId
from hosting.catalogue import service as catalogue
from hosting.catalogue.models import Offer
from hosting.catalogue.schemas import OfferCreate, OfferKind, OfferRead, OfferUpdate
from hosting.errors import store

router = APIRouter()

Reader = Annotated[Principal, require("hosting:read")]
Writer = Annotated[Principal, require("hosting:write")]
CREATED = status.HTTP_201_CREATED

# --- offers --------------------------------------------------------------------------


@router.post("/offers", status_code=CREATED, response_model=OfferRead)
def create_offer(body: OfferCreate, db: DbSession, caller: Writer) -> OfferRead:
    """Add an offer to the catalogue (409 if its code exists)."""
    return OfferRead.model_validate(catalogue.create_offer(db, body, actor=caller.actor))


@router.get("/offers", response_model=Page[OfferRead], responses=EXPORT_RESPONSES)
def list_offers(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    kind: OfferKind | None = None,
    active: bool | None = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[OfferRead] | Response:
    """The catalogue, by code."""
    return page_or_export(db, catalogue.offer_query(kind=kind, active=active), paging, OfferRead,
                          format, title="Catalogue des offres")


@router.get("/offers/{offer_id}", response_model=OfferRead)
def get_offer(offer_id: RowId, db: DbSession, caller: Reader) -> OfferRead:
    """One offer."""
    return OfferRead.model_validate(store.get(db, Offer, offer_id))


@router.patch("/offers/{offer_id}", response_model=OfferRead)
def update_offer(offer_id: RowId, body: OfferUpdate, db: DbSession, caller: Writer) -> OfferRead:
    """Edit an offer (price, ranges, name, withdrawal)."""
    offer = store.get(db, Offer, offer_id)
    return OfferRead.model_validate(catalogue.update_offer(db, offer, body, actor=caller.actor))
