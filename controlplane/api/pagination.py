"""Counting and slicing a listing query, or exporting the whole listing as a file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from controlplane.api.deps import Paging
from controlplane.db import utcnow
from controlplane.errors import InvalidInput
from controlplane.exports import ExportFormat, respond, table_of
from controlplane.schemas import Page

if TYPE_CHECKING:
    from fastapi import Response

M = TypeVar("M", bound=BaseModel)

#: The most rows one export holds; a larger listing is refused (filter it first).
EXPORT_LIMIT = 10_000

#: ``?format=`` of a listing: ``json`` answers one page; ``csv``, ``xlsx`` or ``pdf`` the
#: whole filtered listing as a file (routes declare ``responses=EXPORT_RESPONSES``).
ExportQuery = Annotated[
    ExportFormat,
    Query(description="json: one page; csv, xlsx or pdf: the whole listing as a file."),
]


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


def _export(items: Sequence[BaseModel], read: type[M], export: ExportFormat, *,
            title: str) -> Response:
    subtitle = f"{len(items)} ligne(s), extraites le {utcnow():%d/%m/%Y à %H:%M} UTC."
    return respond(table_of(items, read, title=title, subtitle=subtitle), export)


def rows_to_export(db: Session, stmt: Select[Any]) -> list[Any]:
    """Every row of ``stmt`` for an export (``?limit``/``offset`` do not apply): at most
    :data:`EXPORT_LIMIT`, else a 422 on ``format`` saying to filter the listing first."""
    rows = list(db.scalars(stmt.limit(EXPORT_LIMIT + 1)))
    if len(rows) > EXPORT_LIMIT:
        raise InvalidInput.on("format", f"more than {EXPORT_LIMIT} rows to export: filter the "
                                        "listing first")
    return rows


def page_or_export(
    db: Session,
    stmt: Select[Any],
    paging: Paging,
    read: type[M],
    export: ExportFormat,
    *,
    title: str,
    show: Callable[[Session, list[Any]], list[M]] | None = None,
) -> Page[M] | Response:
    """One page of ``stmt`` as JSON, or the whole listing (``?limit``/``offset`` ignored,
    filters kept; at most :data:`EXPORT_LIMIT` rows, else a 422 on ``format``) exported
    as a CSV, XLSX or PDF file titled ``title``. ``show(db, rows)`` makes the answers of
    a batch of rows (default: each row through ``read``)."""
    def answers(rows: list[Any]) -> list[M]:
        return show(db, rows) if show else [read.model_validate(row) for row in rows]

    if export is ExportFormat.JSON:
        rows, total = paginate(db, stmt, paging)
        return Page[read](  # type: ignore[valid-type]
            items=answers(rows), total=total, limit=paging.limit, offset=paging.offset)
    return _export(answers(rows_to_export(db, stmt)), read, export, title=title)


def items_page_or_export(items: Sequence[M], paging: Paging, read: type[M],
                         export: ExportFormat, *, title: str) -> Page[M] | Response:
    """A listing computed whole (not a query): one page as JSON, or every item exported as a
    CSV, XLSX or PDF file titled ``title``."""
    if export is ExportFormat.JSON:
        return Page[read](  # type: ignore[valid-type]
            items=list(items[paging.offset:paging.offset + paging.limit]), total=len(items),
            limit=paging.limit, offset=paging.offset)
    return _export(items, read, export, title=title)
