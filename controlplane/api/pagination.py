"""Counting and slicing a listing query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from controlplane.api.deps import Paging


def paginate(db: Session, stmt: Select[Any], paging: Paging) -> tuple[list[Any], int]:
    """The page of ``stmt`` asked for and the total count (two queries, whatever the page)."""
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.scalars(stmt.limit(paging.limit).offset(paging.offset)))
    return items, total
