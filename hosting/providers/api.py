"""``/api/v1/hosting/providers``: the HDS providers. Reads need ``hosting:read``,
writes ``hosting:write``.
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


@router.get("/providers", response_model=Page[ProviderRead], responses=EXPORT_RESPONSES)
def list_providers(
    db: DbSession, paging: PageParams, caller: Reader, format: ExportQuery = ExportFormat.JSON,
) -> Page[ProviderRead] | Response:
    """Providers, by name."""
    return page_or_export(db, providers.provider_query(), paging, ProviderRead, format,
                          title="Hébergeurs HDS")


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
