"""Report rendering every plane shares: HTML → PDF (headless Chromium), CSV and XLSX.

Reports are written once as HTML (Jinja2, inline SVG charts); the PDF is that HTML
printed by a headless Chromium (Debian ``chromium``; ``SOCLE_CHROMIUM`` names another
binary), so both formats always show the same figures. CSV is for spreadsheets and
scripts: RFC 4180, UTF-8 with a BOM so spreadsheets open accented French text correctly.
XLSX (openpyxl) is for people who filter and sort in a spreadsheet: typed cells, a bold
frozen header, an auto-filter, and optional cell colours by value (e.g. a status map).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

PDF_TIMEOUT_SECONDS = 60


class ReportError(RuntimeError):
    """A report could not be rendered (e.g. no Chromium on this host)."""


def chromium_binary() -> str:
    """The Chromium executable used to print PDFs; ReportError when there is none."""
    for candidate in (os.environ.get("SOCLE_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    raise ReportError(
        "PDF rendering needs Chromium: install Debian's `chromium` or set SOCLE_CHROMIUM"
    )


def html_to_pdf(html: str) -> bytes:
    """Print a self-contained HTML document (no external resources) to PDF bytes."""
    binary = chromium_binary()
    with tempfile.TemporaryDirectory(prefix="socle-pdf-") as scratch:
        source, target = Path(scratch) / "report.html", Path(scratch) / "report.pdf"
        source.write_text(html, encoding="utf-8")
        command = [
            binary,
            "--headless",
            "--no-sandbox",  # runs as a service user, often root in containers
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(scratch) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=PDF_TIMEOUT_SECONDS, check=True)
        except subprocess.TimeoutExpired as error:
            raise ReportError("Chromium did not finish printing the PDF in time") from error
        except subprocess.CalledProcessError as error:
            raise ReportError(
                f"Chromium failed to print the PDF (exit {error.returncode})"
            ) from error
        if not target.exists() or not target.read_bytes().startswith(b"%PDF"):
            raise ReportError("Chromium produced no PDF")
        return target.read_bytes()


#: What a spreadsheet reads as the start of a formula in a text cell (OWASP, CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: ``None`` empty, a text that would start a
    formula (``=HYPERLINK(...)`` in an establishment's note) quoted with ``'``."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Rows as CSV bytes (UTF-8 with BOM for spreadsheets), ``None`` as an empty cell; text
    that a spreadsheet would run as a formula is quoted (see :func:`_inert`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_inert(name) for name in header])
    for row in rows:
        writer.writerow([_inert(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_TITLE_MAX = 31  # Excel's limit
_WIDEST_COLUMN = 60


def to_xlsx(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str = "Export",
    fills: Mapping[str, str] | None = None,
) -> bytes:
    """Rows as an XLSX workbook of one sheet named ``title``: bold frozen header with an
    auto-filter, numbers and dates kept typed, text always text (never a formula, whatever
    it starts with), ``None`` as an empty cell. ``fills`` maps
    a cell's text to a background colour (``"RRGGBB"``), e.g. statuses to traffic lights.
    Control characters XML cannot hold (a token named with ``\x01``) are shown as U+FFFD."""
    # openpyxl is imported here, not with the module: every CLI command would pay for it.
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", "-", title)[:_SHEET_TITLE_MAX] or "Export"
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    patterns = {text: PatternFill("solid", start_color=colour, end_color=colour)
                for text, colour in (fills or {}).items()}
    widths = [len(str(name)) for name in header]
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str)
                      else value for value in row])
        for index, cell in enumerate(sheet[sheet.max_row]):
            if cell.data_type == "f":  # text starting with "=": keep it text, never a formula
                cell.data_type = "s"
            text = "" if cell.value is None else str(cell.value)
            if text in patterns:
                cell.fill = patterns[text]
            if index < len(widths):
                widths[index] = max(widths[index], len(text))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, _WIDEST_COLUMN)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
