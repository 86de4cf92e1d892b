"""Counting the SQL statements a piece of code runs (to pin list endpoints against N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def count_queries(*engines: Engine) -> Iterator[list[str]]:
    """Collect the statements executed on ``engines`` inside the block."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    for engine in set(engines):
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in set(engines):
            event.remove(engine, "before_cursor_execute", record)
