"""Creating rows that may already exist, safely when several writers do it at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_missing(
    db: Session, model: type[Any], rows: Sequence[Mapping[str, Any]], *, keys: Sequence[str]
) -> None:
    """Insert ``rows`` of ``model``, leaving alone those whose ``keys`` (a unique or
    primary key) already exist: ``INSERT ... ON CONFLICT DO NOTHING``, so two writers
    creating the same row both go on (lock the rows afterwards to change them)."""
    if rows:
        insert = _INSERTS[db.get_bind().dialect.name]
        db.execute(insert(model).values(list(rows)).on_conflict_do_nothing(index_elements=keys))
