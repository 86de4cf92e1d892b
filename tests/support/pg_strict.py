"""PostgreSQL's refusals, checked on SQLite: what a flush would be refused on PostgreSQL.

SQLite stores a 300-character string in a ``VARCHAR(253)``, 2**40 in an ``INTEGER``, a
NUL character in text and ``NaN`` in JSON; PostgreSQL refuses each (a 500 if the API let
it through). :func:`strict_flushes` makes every ORM flush of the process check the rows it
writes against PostgreSQL's rules and raise :class:`PostgresWouldRefuseError` naming the
column, so a test running on SQLite (the API fuzzer) finds those 500s too.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, SmallInteger, String, event, inspect
from sqlalchemy.orm import Session

RANGES = {  # PostgreSQL's integer types
    SmallInteger: (-(2**15), 2**15 - 1),
    BigInteger: (-(2**63), 2**63 - 1),
    Integer: (-(2**31), 2**31 - 1),
}


class PostgresWouldRefuseError(AssertionError):
    """A row PostgreSQL would refuse (the message names the column and the rule)."""


def _json_problem(value: Any) -> str | None:
    if isinstance(value, str):
        return "a NUL character in JSON text" if "\x00" in value else None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} in JSON"
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return None
    return next((p for p in map(_json_problem, items) if p is not None), None)


def _problem(column: Any, value: Any) -> str | None:
    kind = column.type
    if isinstance(value, str):
        if "\x00" in value:
            return "a NUL character in text"
        length = getattr(kind, "length", None)
        if isinstance(kind, String) and length is not None and len(value) > length:
            return f"{len(value)} characters in a VARCHAR({length})"
    if isinstance(value, int) and not isinstance(value, bool) and isinstance(kind, Integer):
        low, high = next(r for t, r in RANGES.items() if isinstance(kind, t))
        if not low <= value <= high:
            return f"{value} outside {type(kind).__name__} ({low}..{high})"
    if isinstance(kind, JSON) or isinstance(getattr(kind, "impl", None), JSON):
        return _json_problem(value)
    return None


def _check(session: Session, flush_context: Any, instances: Any) -> None:
    for row in [*session.new, *session.dirty]:
        state = inspect(row)
        for attribute in state.mapper.column_attrs:
            if attribute.key not in state.dict:  # not set: nothing of the request's
                continue
            value = state.dict[attribute.key]
            for column in attribute.columns:
                if value is not None and (problem := _problem(column, value)) is not None:
                    raise PostgresWouldRefuseError(
                        f"PostgreSQL would refuse {column.table.name}.{column.name}: {problem}")


@contextmanager
def strict_flushes() -> Iterator[None]:
    """Within the block, every ORM flush is checked against PostgreSQL's rules."""
    event.listen(Session, "before_flush", _check)
    try:
        yield
    finally:
        event.remove(Session, "before_flush", _check)
