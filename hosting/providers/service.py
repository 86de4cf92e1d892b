"""HDS providers: create, edit, list (operators write, everyone reads), each shown with
the capacity placed requests hold of it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from controlplane.rows import snapshot
from hosting import errors
from hosting.errors import store
from hosting.providers.models import HostingProvider
from hosting.providers.schemas import (
    ProviderCapacityRead,
    ProviderCreate,
    ProviderRead,
    ProviderUpdate,
)
from hosting.subscriptions import capacity, plans
from hosting.subscriptions.placement import Held


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
    before = snapshot(provider, ProviderRead)
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(provider, field, value)
    db.flush()
    store.record(db, provider, actor=actor, verb="update", read=ProviderRead, before=before)
    return provider


def provider_query() -> Select[tuple[HostingProvider]]:
    """Providers by name."""
    return select(HostingProvider).order_by(HostingProvider.name)


def with_capacity(db: Session, providers: Sequence[HostingProvider]) -> list[ProviderCapacityRead]:
    """``providers`` as read, each with what placed requests hold of it and what is left
    (one query for all, whatever their number)."""
    held = capacity.held(db)
    shown = []
    for provider in providers:
        facts = plans.facts(provider, held.get(provider.name, Held()))
        shown.append(ProviderCapacityRead(
            **ProviderRead.model_validate(provider).model_dump(),
            held_gb=facts.held_gb, left_gb=facts.left_gb,
            held_vcpus=facts.held_vcpus, left_vcpus=facts.left_vcpus,
        ))
    return shown
