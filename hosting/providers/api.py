"""``/api/v1/hosting/providers``: the HDS providers. Reads need ``hosting:read``,
writes ``hosting:write``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from controlplane.api.deps import DbSession, PageParams, require
from controlplane.api.pagination import page_of
from controlplane.auth import Principal
from controlplane.schemas import Page, RowId
from hosting.errors import store
from hosting.providers import service as providers
from hosting.providers.models import HostingProvider
from hosting.providers.schemas import ProviderCreate, ProviderRead, ProviderUpdate

router = APIRouter()

Reader = Annotated[Principal, require("hosting:read")]


Writer = Annotated[Principal, require("hosting:write")]
CREATED = status.HTTP_201_CREATED


# --- providers -----------------------------------------------------------------------


@router.post("/providers", status_code=CREATED, response_model=ProviderRead)
def create_provider(body: ProviderCreate, db: DbSession, caller: Writer) -> ProviderRead:
    """Register an HDS provider (409 if its name exists)."""
    return ProviderRead.model_validate(providers.create_provider(db, body, actor=caller.actor))


@router.get("/providers", response_model=Page[ProviderRead])
def list_providers(db: DbSession, paging: PageParams, caller: Reader) -> Page[ProviderRead]:
    """Providers, by name."""
    return page_of(db, providers.provider_query(), paging, ProviderRead)


@router.get("/providers/{provider_id}", response_model=ProviderRead)
def get_provider(provider_id: RowId, db: DbSession, caller: Reader) -> ProviderRead:
    """One provider."""
    return ProviderRead.model_validate(store.get(db, HostingProvider, provider_id))


@router.patch("/providers/{provider_id}", response_model=ProviderRead)
def update_provider(
    provider_id: RowId, body: ProviderUpdate, db: DbSession, caller: Writer
) -> ProviderRead:
    """Renew a provider's certificate, move an endpoint, change its capacity."""
    provider = store.get(db, HostingProvider, provider_id)
    return ProviderRead.model_validate(
        providers.update_provider(db, provider, body, actor=caller.actor)
    )
