"""Shared report rendering: a real Chromium prints the PDF; CSV opens in spreadsheets."""

from __future__ import annotations

import csv
import io

from controlplane.reports import html_to_pdf, to_csv


def test_html_is_printed_to_a_pdf_by_chromium() -> None:
    pdf = html_to_pdf("<html><body><h1>Rapport SLA</h1><p>Disponibilité 99,95 %</p></body></html>")
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]


def test_csv_has_a_bom_and_quotes_commas_and_empty_cells() -> None:
    data = to_csv(["circuit", "disponibilité"], [["CH Léon, lien 1", 99.5], ["B", None]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["circuit", "disponibilité"], ["CH Léon, lien 1", "99.5"], ["B", ""]]
