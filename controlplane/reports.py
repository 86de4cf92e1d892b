"""Report rendering every plane shares: HTML → PDF (headless Chromium) and CSV.

Reports are written once as HTML (Jinja2, inline SVG charts); the PDF is that HTML
printed by a headless Chromium (Debian ``chromium``; ``SOCLE_CHROMIUM`` names another
binary), so both formats always show the same figures. CSV is for spreadsheets and
scripts: RFC 4180, UTF-8 with a BOM so spreadsheets open accented French text correctly.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
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


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Rows as CSV bytes (UTF-8 with BOM for spreadsheets), ``None`` as an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
