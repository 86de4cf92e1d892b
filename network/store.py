"""What every network service shares: finding rows by id or natural key (the shared
:class:`controlplane.rows.PlaneRows`), filtering by tenant FINESS, and writing a row
together with its audit record.

Rows are found through the caller's session, so an establishment's session answers
"not found" for another tenant's row (tenant scoping in :mod:`controlplane.db.scope`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import InstrumentedAttribute, Session

from controlplane.errors import Conflict
from controlplane.models import Tenant
from controlplane.rows import PlaneRows
from network import errors
from network.inventory.models import Site

M = TypeVar("M")

DEADLOCK_DETECTED = "40P01"
INSERT_ATTEMPTS = 8  # each retry follows a committed winner, so N racers need N tries


_rows = PlaneRows("network", errors.not_found)
get = _rows.get
find = _rows.find
by_key = _rows.by_key
record = _rows.record


def reference(db: Session, model: type[M], key: str, *, field: str) -> M:
    """The object a request body names in ``field`` (422 naming the field if missing)."""
    row = find(db, model, key)
    if row is None:
        raise errors.unknown_reference(field, model.__kind__, key)  # type: ignore[attr-defined]
    return row


def tenant(db: Session, finess: str, *, field: str = "tenant") -> Tenant:
    """The tenant a body names by FINESS (422 naming the field if unknown)."""
    found = db.scalar(select(Tenant).where(Tenant.finess == finess.upper()))
    if found is None:
        raise errors.unknown_reference(field, "tenant", finess)
    return found


def of_tenant(column: InstrumentedAttribute[Any], finess: str) -> ColumnElement[bool]:
    """Filter: ``column`` (a tenant id) is the tenant with this FINESS."""
    return column.in_(select(Tenant.id).where(Tenant.finess == finess.strip().upper()))


def of_site(column: InstrumentedAttribute[Any], code: str) -> ColumnElement[bool]:
    """Filter: ``column`` (a site id) is the site with this code."""
    return column.in_(select(Site.id).where(Site.code == code.strip().upper()))


def insert(
    db: Session,
    build: Callable[[], M],
    *,
    actor: str,
    read: type[BaseModel],
    verb: str = "create",
) -> M:
    """Insert the row ``build`` returns, and audit it, in the caller's transaction.

    ``build`` runs the checks (raising the plane's 409/422 errors) and returns the new
    row. If a concurrent transaction takes a unique key between the checks and the
    insert, the insert is rolled back to a savepoint and ``build`` runs again, so its
    checks see the winner and answer with their own 409 (or pick the next free value).
    """
    for _ in range(INSERT_ATTEMPTS):
        try:
            with db.begin_nested():
                row = build()
                db.add(row)
                db.flush()
        except IntegrityError:
            continue
        except OperationalError as exc:
            # PostgreSQL may resolve two inserts racing on an exclusion constraint (pool or
            # prefix overlap) as a deadlock: the loser's savepoint is rolled back; retry it.
            if getattr(exc.orig, "sqlstate", None) != DEADLOCK_DETECTED:
                raise
            continue
        record(db, row, actor=actor, verb=verb, read=read)
        return row
    raise Conflict(
        detail="a concurrent change took the same key; try again", code=errors.CONCURRENT_CHANGE
    )
