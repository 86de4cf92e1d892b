"""The offer catalogue: create, edit, list (operators write, everyone reads).
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from controlplane.rows import snapshot
from hosting import errors
from hosting.catalogue.models import Offer
from hosting.catalogue.schemas import OfferCreate, OfferKind, OfferRead, OfferUpdate
from hosting.errors import store


def create_offer(db: Session, data: OfferCreate, *, actor: str) -> Offer:
    """Add an offer to the catalogue (409 if its code exists)."""
    if store.find(db, Offer, data.code) is not None:
        raise errors.duplicate("offer", "code", data.code)
    offer = Offer(**data.model_dump(mode="json"))
    db.add(offer)
    db.flush()
    store.record(db, offer, actor=actor, verb="create", read=OfferRead)
    return offer


def update_offer(db: Session, offer: Offer, data: OfferUpdate, *, actor: str) -> Offer:
    """Edit an offer (price, ranges, name, withdrawal); requests made keep their cost."""
    before = snapshot(offer, OfferRead)
    for field, value in data.model_dump(mode="json", exclude_unset=True, exclude_none=True).items():
        setattr(offer, field, value)
    db.flush()
    store.record(db, offer, actor=actor, verb="update", read=OfferRead, before=before)
    return offer


def offer_query(
    *, kind: OfferKind | None = None, active: bool | None = None
) -> Select[tuple[Offer]]:
    """Offers by code, filtered by kind and by whether they are open to requests."""
    stmt = select(Offer).order_by(Offer.code)
    if kind:
        stmt = stmt.where(Offer.kind == kind.value)
    if active is not None:
        stmt = stmt.where(Offer.active.is_(active))
    return stmt
