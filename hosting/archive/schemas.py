"""Pydantic shapes of the archive: a deposited document, its copies and integrity checks."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from controlplane.schemas import Answer, TenantKey

_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def check_name(name: str) -> str:
    """A document name: 1-255 characters, no path separator or control character."""
    name = name.strip()
    if not name or len(name) > 255 or _BAD_NAME.search(name) or name in {".", ".."}:
        raise ValueError("1-255 characters, no '/', '\\' or control character")
    return name


class ArchiveCopy(BaseModel):
    """One write-once copy: the bucket version holding the document at a provider."""

    resource: str
    provider: str
    bucket: str
    version_id: str


class CopyCheck(BaseModel):
    """What re-reading one copy showed."""

    provider: str
    bucket: str
    ok: bool
    sha256: str | None = None
    locked_until: datetime | None = None
    error: str | None = None


class ArchiveRead(Answer):
    """A deposited document: digest, size, retention and its last integrity check."""

    id: int
    tenant: TenantKey
    subscription_id: int
    name: str
    size_bytes: int
    sha256: str
    retain_until: datetime
    copies: list[ArchiveCopy]
    deposited_by: str
    created_at: datetime
    verified_at: datetime | None
    verified_ok: bool | None
    verify_detail: list[CopyCheck]

    def as_row(self) -> dict[str, Any]:
        """The columns a table shows."""
        return {
            "id": self.id,
            "tenant": self.tenant,
            "subscription": self.subscription_id,
            "name": self.name,
            "size": self.size_bytes,
            "sha256": self.sha256[:16],
            "retain_until": self.retain_until.date().isoformat(),
            "verified": {None: "never", True: "ok", False: "FAILED"}[self.verified_ok],
        }


class VerifyAllStart(BaseModel):
    """Which documents a check started by hand reads (default: the configured N days)."""

    model_config = ConfigDict(extra="forbid")

    older_than_days: int | None = Field(
        default=None, ge=0, le=36500,
        description="Check documents not checked for this many days (0: every document).")
