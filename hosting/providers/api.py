"""``/api/v1/hosting/providers``: the HDS providers. Reads need ``hosting:read``,
writes ``hosting:write``; reads show what placed requests hold of each provider's
capacity and what is left.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from controlplane.api.deps import DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import Page, RowId
from hosting.errors import store
from hosting.providers import service as providers
from hosting.providers.models import HostingProvider
from hosting.providers.schemas import (
    ProviderCapacityRead,
    ProviderCreate,
    ProviderRead,
    ProviderUpdate,
)

router = APIRouter()

Reader = Annotated[Principal, require("hosting:read")]


Writer = Annotated[Principal, require("hosting:write")]
CREATED = status.HTTP_201_CREATED


# --- providers -----------------------------------------------------------------------


@router.post("/providers", status_code=CREATED, response_model=ProviderRead)
def create_provider(body: ProviderCreate, db: DbSession, caller: Writer) -> ProviderRead:
    """Register an HDS provider (409 if its name exists)."""
    return ProviderRead.model_validate(providers.create_provider(db, body, actor=caller.actor))


@router.get("/providers", response_model=Page[ProviderCapacityRead],
            responses=EXPORT_RESPONSES)
def list_providers(
    db: DbSession, paging: PageParams, caller: Reader, format: ExportQuery = ExportFormat.JSON,
) -> Page[ProviderCapacityRead] | Response:
    """Providers, by name, with the capacity placed requests hold and what is left."""
    return page_or_export(db, providers.provider_query(), paging, ProviderCapacityRead, format,
                          title="Hébergeurs HDS", show=providers.with_capacity)


@router.get("/providers/{provider_id}", response_model=ProviderCapacityRead)
def get_provider(provider_id: RowId, db: DbSession, caller: Reader) -> ProviderCapacityRead:
    """One provider, with the capacity placed requests hold and what is left."""
    [shown] = providers.with_capacity(db, [store.get(db, HostingProvider, provider_id)])
    return shown


@router.patch("/providers/{provider_id}", response_model=ProviderRead)
def update_provider(
    provider_id: RowId, body: ProviderUpdate, db: DbSession, caller: Writer
) -> ProviderRead:
    """Renew a provider's certificate, move an endpoint, change its capacity."""
    provider = store.get(db, HostingProvider, provider_id)
    return ProviderRead.model_validate(
        providers.update_provider(db, provider, body, actor=caller.actor)
    )
