"""Finding apps rows by id or natural key, and auditing a change with its snapshot
(the shared :class:`controlplane.rows.PlaneRows`, bound to this plane's errors)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from apps import errors
from controlplane.models import Tenant
from controlplane.rows import PlaneRows, snapshot

_rows = PlaneRows("apps", errors.not_found)
get = _rows.get
find = _rows.find
by_key = _rows.by_key
record = _rows.record


def tenant(db: Session, finess: str) -> Tenant:
    """The tenant with this FINESS, if the session may see it (else 404)."""
    found = db.scalar(select(Tenant).where(Tenant.finess == finess.strip().upper()))
    if found is None:
        raise errors.not_found("tenant", finess)
    return found


__all__ = ["by_key", "find", "get", "record", "snapshot", "tenant"]
