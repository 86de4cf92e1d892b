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
from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane import audit
from controlplane.errors import SocleError

M = TypeVar("M")


def snapshot(row: Any, read: type[BaseModel]) -> dict[str, Any]:
    """``row`` as its answer shape, JSON-ready (the ``before``/``after`` of an audit record)."""
    return read.model_validate(row).model_dump(mode="json")


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
