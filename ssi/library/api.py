"""``/api/v1/ssi/frameworks``: the frameworks library, read-only (``ssi:read``).

This router also loads the library when the application starts (its lifespan), so a
framework file that fails validation stops the start with its path and line.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Response

from controlplane.api.deps import PageParams, require
from controlplane.api.pagination import ExportQuery, items_page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import Page
from ssi.library.framework_file import Kind
from ssi.library.schemas import FrameworkRead, FrameworkSummary
from ssi.library.service import library


@asynccontextmanager
async def _load_library_at_start(app: FastAPI) -> AsyncIterator[None]:
    library(getattr(app.state, "settings", None))
    yield


router = APIRouter(lifespan=_load_library_at_start)

Reader = Annotated[Principal, require("ssi:read")]


@router.get("/frameworks", response_model=Page[FrameworkSummary], responses=EXPORT_RESPONSES)
def list_frameworks(
    paging: PageParams,
    caller: Reader,
    kind: Annotated[Kind | None, Query(description="Only frameworks of this kind.")] = None,
    latest: Annotated[bool, Query(description="Only each framework's latest version.")] = False,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[FrameworkSummary] | Response:
    """Every framework version of the library, by id then version."""
    found = [FrameworkSummary.of(framework) for framework in library()]
    found = [s for s in found if (kind is None or s.kind == kind) and (s.latest or not latest)]
    return items_page_or_export(found, paging, FrameworkSummary, format, title="Référentiels")


@router.get("/frameworks/{framework_id}", response_model=FrameworkRead)
def get_latest_framework(framework_id: str, caller: Reader) -> FrameworkRead:
    """The latest version of a framework (404 SSI-0111 if unknown)."""
    return FrameworkRead.full(library().latest(framework_id))


@router.get("/frameworks/{framework_id}/{version}", response_model=FrameworkRead)
def get_framework(framework_id: str, version: str, caller: Reader) -> FrameworkRead:
    """One version of a framework (404 SSI-0111 / SSI-0112)."""
    return FrameworkRead.full(library().get(framework_id, version))
