"""Counting and slicing a listing query."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from controlplane.api.deps import Paging
from controlplane.schemas import Page

M = TypeVar("M", bound=BaseModel)


def paginate(db: Session, stmt: Select[Any], paging: Paging) -> tuple[list[Any], int]:
    """The page of ``stmt`` asked for and the total count (two queries, whatever the page)."""
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.scalars(stmt.limit(paging.limit).offset(paging.offset)))
    return items, total


def page_of(db: Session, stmt: Select[Any], paging: Paging, read: type[M]) -> Page[M]:
    """One page of ``stmt``, each row shown through the ``read`` model."""
    items, total = paginate(db, stmt, paging)
    return Page[read](  # type: ignore[valid-type]
        items=[read.model_validate(item) for item in items], total=total,
        limit=paging.limit, offset=paging.offset,
    )
