"""Finding hosting rows by id or natural key, and auditing a change with its snapshot.

Rows are found through the caller's session, so an establishment's session answers
"not found" for another tenant's row (tenant scoping in :mod:`controlplane.db.scope`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane import audit
from controlplane.models import Tenant
from hosting import errors

M = TypeVar("M")


def get(db: Session, model: type[M], ident: int) -> M:
    """The row of ``model`` with this id (404 when missing or another tenant's)."""
    row = db.get(model, ident)
    if row is None:
        raise errors.not_found(model.__kind__, ident)  # type: ignore[attr-defined]
    return row


def find(db: Session, model: type[M], key: str) -> M | None:
    """The row of ``model`` whose natural key (``__key__``) is ``key``, if visible."""
    column = getattr(model, model.__key__)  # type: ignore[attr-defined]
    return db.scalar(select(model).where(column == key))


def by_key(db: Session, model: type[M], key: str) -> M:
    """Like :func:`find`, but 404 when missing (``socle hosting offer show CODE``)."""
    row = find(db, model, key)
    if row is None:
        raise errors.not_found(model.__kind__, key)  # type: ignore[attr-defined]
    return row


def tenant(db: Session, finess: str) -> Tenant:
    """The tenant with this FINESS, if the session may see it (else 404)."""
    found = db.scalar(select(Tenant).where(Tenant.finess == finess.strip().upper()))
    if found is None:
        raise errors.not_found("tenant", finess)
    return found


def record(
    db: Session,
    row: Any,
    *,
    actor: str,
    verb: str,
    read: type[BaseModel],
    before: dict[str, Any] | None = None,
) -> None:
    """Audit a change of ``row`` (its answer shape is the snapshot: no secrets in it)."""
    owner = getattr(row, "tenant", None)
    audit.record(
        db,
        actor=actor,
        action=f"hosting.{row.__kind__}.{verb}",
        target_type=f"hosting.{row.__kind__}",
        target_id=getattr(row, row.__key__),
        tenant_finess=owner.finess if owner is not None else None,
        before=before,
        after=read.model_validate(row).model_dump(mode="json"),
    )


def snapshot(row: Any, read: type[BaseModel]) -> dict[str, Any]:
    """``row`` as its answer shape, JSON-ready (the ``before`` of an audited change)."""
    return read.model_validate(row).model_dump(mode="json")
