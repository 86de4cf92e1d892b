"""A plane's rows: found by id or natural key through the caller's scoped session, and
audited with their answer shape as the snapshot.

Plane models name themselves with ``__kind__`` (used in errors and audit actions) and
their natural-key column with ``__key__``. Each plane makes one :class:`PlaneRows` with
its name and its not-found error (so the error codes stay the plane's). Because rows are
looked up through the caller's session, an establishment's session answers "not found"
for another tenant's row (tenant scoping in :mod:`controlplane.db.scope`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controlplane import audit
from controlplane.errors import Conflict, SocleError

M = TypeVar("M")


def snapshot(row: Any, read: type[BaseModel]) -> dict[str, Any]:
    """``row`` as its answer shape, JSON-ready (the ``before``/``after`` of an audit record)."""
    return read.model_validate(row).model_dump(mode="json")


def references(db: Session, row: Any) -> dict[str, int]:
    """How many rows of each table (any plane's) point at ``row`` through a foreign key,
    counted without tenant scoping: a removal must see every reference."""
    table = row.__table__
    found: dict[str, int] = {}
    for other in table.metadata.sorted_tables:
        for key in other.foreign_keys:
            if key.column.table is not table:
                continue
            count = db.execute(
                select(func.count()).select_from(other).where(key.parent == row.id)
            ).scalar_one()
            if count:
                found[other.name] = found.get(other.name, 0) + count
    return found


def still_referenced(kind: str, ident: object, found: dict[str, int], *, code: str) -> Conflict:
    """409 for removing an object other rows still point at (``found``: rows per table, as
    :func:`references` counts them), with the plane's error ``code``."""
    where = ", ".join(f"{count} in {table}" for table, count in sorted(found.items()))
    return Conflict(detail=f"{kind} {ident} is still referenced ({where}); remove or "
                           "change those first", code=code)


@dataclass(frozen=True)
class PlaneRows:
    """Row helpers bound to one plane's name and not-found error."""

    plane: str
    not_found: Callable[[str, object], SocleError]

    def get(self, db: Session, model: type[M], ident: int) -> M:
        """The row of ``model`` with this id (404 when missing or another tenant's)."""
        row = db.get(model, ident)
        if row is None:
            raise self.not_found(model.__kind__, ident)  # type: ignore[attr-defined]
        return row

    def find(self, db: Session, model: type[M], key: str) -> M | None:
        """The row of ``model`` whose natural key (``__key__``) is ``key``, if visible."""
        column = getattr(model, model.__key__)  # type: ignore[attr-defined]
        return db.scalar(select(model).where(column == key))

    def by_key(self, db: Session, model: type[M], key: str) -> M:
        """Like :meth:`find`, but 404 when missing."""
        row = self.find(db, model, key)
        if row is None:
            raise self.not_found(model.__kind__, key)  # type: ignore[attr-defined]
        return row

    def record(
        self,
        db: Session,
        row: Any,
        *,
        actor: str,
        verb: str,
        read: type[BaseModel],
        before: dict[str, Any] | None = None,
        deleted: bool = False,
    ) -> None:
        """Audit a change of ``row`` (its answer shape is the snapshot: no secrets in it)."""
        owner = getattr(row, "tenant", None)
        shown = snapshot(row, read)
        audit.record(
            db,
            actor=actor,
            action=f"{self.plane}.{row.__kind__}.{verb}",
            target_type=f"{self.plane}.{row.__kind__}",
            target_id=getattr(row, row.__key__),
            tenant_finess=owner.finess if owner is not None else None,
            before=shown if deleted else before,
            after=None if deleted else shown,
        )
