"""What the frameworks library shows of a framework version (HTTP API and CLI)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ssi.library import Framework
from ssi.library.framework_file import Kind
from ssi.library.service import library


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
