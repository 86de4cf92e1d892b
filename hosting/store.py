"""Finding hosting rows by id or natural key, and auditing a change with its snapshot
(the shared :class:`controlplane.rows.PlaneRows`, bound to this plane's errors).

Rows are found through the caller's session, so an establishment's session answers
"not found" for another tenant's row (tenant scoping in :mod:`controlplane.db.scope`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.models import Tenant
from controlplane.rows import PlaneRows, snapshot
from hosting import errors

_rows = PlaneRows("hosting", errors.not_found)
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
