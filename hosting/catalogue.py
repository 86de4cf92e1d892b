"""Providers and the offer catalogue: create, edit, list (operators write, everyone reads).

Every change is audited in the caller's transaction. Listing functions return the
filtered ``select``.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hosting import errors, store
from hosting.models import HostingProvider, Offer
from hosting.schemas import (
    OfferCreate,
    OfferKind,
    OfferRead,
    OfferUpdate,
    ProviderCreate,
    ProviderRead,
    ProviderUpdate,
)


def create_provider(db: Session, data: ProviderCreate, *, actor: str) -> HostingProvider:
    """Register an HDS provider (409 if its name exists)."""
    if store.find(db, HostingProvider, data.name) is not None:
        raise errors.duplicate("provider", "name", data.name)
    provider = HostingProvider(**data.model_dump())
    db.add(provider)
    db.flush()
    store.record(db, provider, actor=actor, verb="create", read=ProviderRead)
    return provider


def update_provider(
    db: Session, provider: HostingProvider, data: ProviderUpdate, *, actor: str
) -> HostingProvider:
    """Renew a certificate, move an endpoint, change capacity (omitted fields stay)."""
    before = store.snapshot(provider, ProviderRead)
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(provider, field, value)
    db.flush()
    store.record(db, provider, actor=actor, verb="update", read=ProviderRead, before=before)
    return provider


def provider_query() -> Select[tuple[HostingProvider]]:
    """Providers by name."""
    return select(HostingProvider).order_by(HostingProvider.name)


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
    before = store.snapshot(offer, OfferRead)
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
