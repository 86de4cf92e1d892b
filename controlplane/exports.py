"""Table exports: CSV, XLSX and PDF of one and the same :class:`Table`, for every plane.

A route that lists something builds a :class:`Table` (title, header, rows) and answers
``?format=csv|xlsx|pdf`` with :func:`respond`; ``json`` (the default) stays the route's
own answer. The CLI writes the same files with :func:`export_file`. Statuses written in
French (``atteint``, ``non atteint``, ``oui``, ``non``...) are coloured alike in the XLSX
and the PDF.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import jinja2
from pydantic import BaseModel

from controlplane.reports import XLSX_MEDIA_TYPE, html_to_pdf, to_csv, to_xlsx

if TYPE_CHECKING:
    from fastapi import Response


class ExportFormat(StrEnum):
    """What a listing answers: its JSON, or an export of the same table."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"


# traffic lights (background colours, RRGGBB) by French label, shared by XLSX and PDF
LABEL_COLOURS: dict[str, str] = {
    "atteint": "C6EFCE",
    "non atteint": "FFC7CE",
    "preuve expirée": "FFEB9C",
    "inconnu": "D9D9D9",
    "oui": "C6EFCE",
    "non": "FFC7CE",
    "réussi": "C6EFCE",
    "en échec": "FFC7CE",
}


@dataclass(frozen=True)
class Table:
    """One table to export: ``filename`` without extension."""

    title: str
    subtitle: str
    header: Sequence[str]
    rows: Sequence[Sequence[object]]
    filename: str


def _cell(value: Any) -> object:
    """A JSON-ready value as one table cell: nested lists and objects as compact JSON."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ": "))
    return value


def table_of(items: Sequence[BaseModel], shape: type[BaseModel], *, title: str,
             subtitle: str = "") -> Table:
    """A listing as a table: one column per field of its answer ``shape``, one row per
    item (values as the JSON answer gives them; nested ones as compact JSON)."""
    header = [*shape.model_fields, *shape.model_computed_fields]
    rows = []
    for item in items:
        fields = item.model_dump(mode="json")
        rows.append([_cell(fields.get(name)) for name in header])
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "export"
    return Table(title=title, subtitle=subtitle, header=header, rows=rows, filename=slug)


_HTML = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ table.title }}</title>
<style>
 @page { size: A4 landscape; margin: 12mm; }
 body { font-family: sans-serif; font-size: 9pt; }
 h1 { font-size: 14pt; margin: 0 0 2mm; } p { margin: 0 0 4mm; color: #444; }
 table { border-collapse: collapse; width: 100%; }
 th, td { border: 1px solid #999; padding: 2px 4px; text-align: left; vertical-align: top; }
 th { background: #eee; }
</style></head><body>
<h1>{{ table.title }}</h1><p>{{ table.subtitle }}</p>
<table><thead><tr>{% for name in table.header %}<th>{{ name }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in table.rows %}<tr>{% for value in row %}{% set text = shown(value) %}
<td{% if text in colours %} style="background:#{{ colours[text] }}"{% endif %}>{{ text }}</td>
{% endfor %}</tr>{% endfor %}</tbody></table>
</body></html>
"""
)


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return str(value)


def to_html(table: Table) -> str:
    """The table as a self-contained HTML page (what the PDF prints)."""
    return _HTML.render(table=table, shown=_shown, colours=LABEL_COLOURS)


def _xlsx_cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # XLSX has no time zones: the values are UTC
    return value


#: A route's ``responses=`` when it answers ``?format=csv|xlsx|pdf`` with a file: the
#: OpenAPI document then names each content type, not JSON only.
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or the export asked for by `?format=` (as an attachment).",
        "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}, "application/pdf": {}},
    },
}


@dataclass(frozen=True)
class ExportFile:
    """A table exported as a file: its bytes, media type and file name."""

    content: bytes
    media_type: str
    filename: str


def export_file(table: Table, export: ExportFormat) -> ExportFile:
    """The table as a CSV, XLSX or PDF file."""
    if export is ExportFormat.CSV:
        content, media, suffix = to_csv(table.header, table.rows), "text/csv", "csv"
    elif export is ExportFormat.XLSX:
        rows = [[_xlsx_cell(value) for value in row] for row in table.rows]
        content = to_xlsx(table.header, rows, title=table.title, fills=LABEL_COLOURS)
        media, suffix = XLSX_MEDIA_TYPE, "xlsx"
    elif export is ExportFormat.PDF:
        content, media, suffix = html_to_pdf(to_html(table)), "application/pdf", "pdf"
    else:
        raise ValueError(f"{export} is answered by the route itself, not exported")
    return ExportFile(content, media, f"{table.filename}.{suffix}")


def respond(table: Table, export: ExportFormat) -> Response:
    """The table as a downloadable CSV, XLSX or PDF (HTTP routes)."""
    from fastapi import Response  # the CLI exports too: it should not import FastAPI

    file = export_file(table, export)
    return Response(
        content=file.content, media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )
