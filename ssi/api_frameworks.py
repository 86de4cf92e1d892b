"""``/api/v1/ssi/frameworks``: the frameworks library, read-only (``ssi:read``).

This router also loads the library when the application starts (its lifespan), so a
framework file that fails validation stops the start with its path and line.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel, Field

from controlplane.api.deps import PageParams, require
from controlplane.auth import Principal
from controlplane.schemas import Page
from ssi.library import Framework
from ssi.library.schema import Kind
from ssi.service import library


@asynccontextmanager
async def _load_library_at_start(app: FastAPI) -> AsyncIterator[None]:
    library(getattr(app.state, "settings", None))
    yield


router = APIRouter(lifespan=_load_library_at_start)

Reader = Annotated[Principal, require("ssi:read")]


class FrameworkSummary(BaseModel):
    """One version of one framework, as listed."""

    id: str
    version: str
    kind: Kind
    title: str
    source: str
    latest: bool = Field(description="Whether this is the framework's most recent version.")
    chapters: int
    items: int
    unverified: int = Field(description="Chapters and items not yet checked against the source.")

    @classmethod
    def of(cls, framework: Framework) -> FrameworkSummary:
        """The summary of a framework version."""
        entries = [*framework.chapters, *framework.all_items()]
        return cls(
            id=framework.id,
            version=framework.version,
            kind=framework.kind,
            title=framework.title,
            source=framework.source,
            latest=library().latest(framework.id).version == framework.version,
            chapters=len(framework.chapters),
            items=len(framework.all_items()),
            unverified=sum(1 for entry in entries if not entry.verified),
        )


class FrameworkRead(FrameworkSummary):
    """A framework version with its whole content (chapters, items, scale...)."""

    versions: list[str] = Field(description="Every version of this framework, oldest first.")
    content: dict[str, Any]

    @classmethod
    def full(cls, framework: Framework) -> FrameworkRead:
        """The whole framework version."""
        return cls(
            **FrameworkSummary.of(framework).model_dump(),
            versions=list(library().versions(framework.id)),
            content=framework.model_dump(mode="json"),
        )


@router.get("/frameworks", response_model=Page[FrameworkSummary])
def list_frameworks(
    paging: PageParams,
    caller: Reader,
    kind: Annotated[Kind | None, Query(description="Only frameworks of this kind.")] = None,
    latest: Annotated[bool, Query(description="Only each framework's latest version.")] = False,
) -> Page[FrameworkSummary]:
    """Every framework version of the library, by id then version."""
    found = [FrameworkSummary.of(framework) for framework in library()]
    found = [s for s in found if (kind is None or s.kind == kind) and (s.latest or not latest)]
    return Page[FrameworkSummary](
        items=found[paging.offset : paging.offset + paging.limit],
        total=len(found),
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/frameworks/{framework_id}", response_model=FrameworkRead)
def get_latest_framework(framework_id: str, caller: Reader) -> FrameworkRead:
    """The latest version of a framework (404 SSI-0111 if unknown)."""
    return FrameworkRead.full(library().latest(framework_id))


@router.get("/frameworks/{framework_id}/{version}", response_model=FrameworkRead)
def get_framework(framework_id: str, version: str, caller: Reader) -> FrameworkRead:
    """One version of a framework (404 SSI-0111 / SSI-0112)."""
    return FrameworkRead.full(library().get(framework_id, version))
