"""A plane's rows: found by id or natural key through the caller's scoped session,
inserted, changed and removed with their audit record (their answer shape is the
snapshot), and the tenants a path or a body names by FINESS.

Plane models name themselves with ``__kind__`` (used in errors and audit actions) and
their natural-key column with ``__key__``. Each plane makes one :class:`PlaneRows`,
``store`` in its ``errors`` module, with its name and its errors (so the error codes
stay the plane's). Because rows are looked up through the caller's session, an
establishment's session answers "not found" for another tenant's row (tenant scoping in
:mod:`controlplane.db.scope`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from controlplane import audit, tenants
from controlplane.errors import Conflict, SocleError
from controlplane.models import Tenant

M = TypeVar("M")

DEADLOCK_DETECTED = "40P01"
INSERT_ATTEMPTS = 8  # each retry follows a committed winner, so N racers need N tries


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
    """Row helpers bound to one plane's name and errors.

    ``not_found(kind, key)`` is the plane's 404; ``unknown_tenant(finess)`` what it answers
    for a FINESS no visible tenant has (a 404 where the FINESS is a path, a 422 where a
    body names it: the plane's choice, kept as its clients know it);
    ``unknown_reference(field, kind, key)`` its 422 for a body naming a missing object;
    ``still_referenced_code`` and ``concurrent_change_code`` the codes of its 409s.
    """

    plane: str
    not_found: Callable[[str, object], SocleError]
    unknown_tenant: Callable[[str], SocleError] | None = None
    unknown_reference: Callable[[str, str, object], SocleError] | None = None
    still_referenced_code: str | None = None
    concurrent_change_code: str | None = None
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

    def reference(self, db: Session, model: type[M], key: str, *, field: str) -> M:
        """The object a request body names in ``field`` (the plane's 422 naming the field if
        it is missing or another tenant's)."""
        assert self.unknown_reference is not None, f"{self.plane} has no unknown_reference"
        row = self.find(db, model, key)
        if row is None:
            raise self.unknown_reference(field, model.__kind__, key)  # type: ignore[attr-defined]
        return row

    def tenant(self, db: Session, finess: str) -> Tenant:
        """The tenant with this FINESS, if the session may see it (else the plane's
        ``unknown_tenant`` error)."""
        assert self.unknown_tenant is not None, f"{self.plane} has no unknown_tenant"
        found = tenants.find_by_finess(db, finess)
        if found is None:
            raise self.unknown_tenant(finess)
        return found

    def insert(self, db: Session, build: Callable[[], M], *, actor: str,
               read: type[BaseModel], verb: str = "create") -> M:
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
                # PostgreSQL may resolve two inserts racing on an exclusion constraint (pool
                # or prefix overlap) as a deadlock: the loser's savepoint is rolled back.
                if getattr(exc.orig, "sqlstate", None) != DEADLOCK_DETECTED:
                    raise
                continue
            self.record(db, row, actor=actor, verb=verb, read=read)
            return row
        assert self.concurrent_change_code is not None, f"{self.plane}: no concurrent code"
        raise Conflict(detail="a concurrent change took the same key; try again",
                       code=self.concurrent_change_code)

    def update(self, db: Session, row: M, values: dict[str, Any], *, actor: str,
               read: type[BaseModel]) -> M:
        """Set ``values`` on ``row`` and audit the change (before and after)."""
        before = snapshot(row, read)
        for field, value in values.items():
            setattr(row, field, value)
        db.flush()
        self.record(db, row, actor=actor, verb="update", read=read, before=before)
        return row

    def delete(self, db: Session, row: Any, *, actor: str, read: type[BaseModel]) -> None:
        """Remove ``row`` (409 naming what still refers to it, in any plane), audited with
        what it was."""
        assert self.still_referenced_code is not None, f"{self.plane}: no still-referenced code"
        found = references(db, row)
        if found:
            raise still_referenced(row.__kind__, getattr(row, row.__key__), found,
                                   code=self.still_referenced_code)
        self.record(db, row, actor=actor, verb="delete", read=read, deleted=True)
        db.delete(row)
        db.flush()
