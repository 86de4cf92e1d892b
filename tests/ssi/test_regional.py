"""The RSSI's regional heatmap (filters, pagination, tenant scoping) and the exports of the
heatmap and of one establishment's tracker as CSV, XLSX and PDF, read back and checked."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from controlplane.auth import Role
from controlplane.models import Tenant
from controlplane.reports import to_xlsx
from tests.conftest import TenantFactory, TokenFactory

SSI = "/api/v1/ssi"
HEATMAP = f"{SSI}/regional/heatmap"
HN_ITEMS = ["P1.1", "P1.2", "P1.3", "P1.4", "P2.1", "P2.2", "P2.3", "P3.1", "P3.2", "P3.3",
            "P3.4"]
USAGE = {"P1.2", "P1.4", "P3.4"}


def pdf_text(data: bytes) -> str:
    """The PDF's text, whitespace (including line wraps in table cells) collapsed."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages
                             ).split())


def test_xlsx_writer_keeps_types_and_colours_cells() -> None:
    data = to_xlsx(["nom", "taux", "statut"], [["CH Léon", 99.5, "ok"], ["B", None, "ko"]],
                   title="Suivi: HN/CaRE", fills={"ok": "00FF00"})
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Suivi- HN-CaRE"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["nom", "taux", "statut"], ["CH Léon", 99.5, "ok"], ["B", None, "ko"]]
    assert sheet["C2"].fill.start_color.rgb.endswith("00FF00")
    assert sheet["C3"].fill.fill_type is None
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"


@pytest.fixture
def region(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory
) -> dict[str, Tenant]:
    """Three establishments: ``ready`` (69) declared every HN item met, ``late`` (38) one
    usage rate below target, ``silent`` (69) declared nothing."""
    tenants = {"ready": make_tenant("69", name="CH Prêt"),
               "late": make_tenant("38", name="Clinique En retard"),
               "silent": make_tenant("69", name="EHPAD Muet")}
    ready = auth(Role.ESTABLISHMENT, tenants["ready"])
    for item in HN_ITEMS:
        value = 95 if item in USAGE else "oui"
        answer = client.put(f"{SSI}/tenants/{tenants['ready'].finess}/indicators/hn-prerequis/"
                            f"{item}", headers=ready, json={"value": value})
        assert answer.status_code == 200, answer.text
    late = auth(Role.ESTABLISHMENT, tenants["late"])
    client.put(f"{SSI}/tenants/{tenants['late'].finess}/indicators/hn-prerequis/P1.2",
               headers=late, json={"value": 40, "note": "déploiement en cours"})
    return tenants


def test_heatmap_filters_pages_and_scoping(
    client: TestClient, auth: TokenFactory, region: dict[str, Tenant]
) -> None:
    rssi = auth(Role.RSSI)
    whole = client.get(HEATMAP, headers=rssi, params={"framework": "hn-prerequis"})
    assert whole.status_code == 200, whole.text
    body = whole.json()
    assert [c["id"] for c in body["columns"]] == HN_ITEMS
    rows = {row["finess"]: row for row in body["items"]}
    assert set(rows) >= {t.finess for t in region.values()}
    ready, late, silent = (rows[region[n].finess] for n in ("ready", "late", "silent"))
    assert ready["cells"] == ["met"] * 11 and ready["eligible"] == {"hn-prerequis": True}
    assert late["cells"][HN_ITEMS.index("P1.2")] == "not_met"
    assert set(late["cells"]) == {"not_met", "unknown"} and not late["eligible"]["hn-prerequis"]
    assert silent["cells"] == ["unknown"] * 11

    both = client.get(HEATMAP, headers=rssi).json()
    assert {c["framework"] for c in both["columns"]} == {"hn-prerequis", "care-d2", "care-d1"}
    usage = client.get(HEATMAP, headers=rssi, params={"kind": "usage"}).json()
    assert {c["id"] for c in usage["columns"]} == USAGE
    assert all(len(row["cells"]) == 3 for row in usage["items"])
    rhone = client.get(HEATMAP, headers=rssi, params={"department": "69"}).json()
    assert {row["department"] for row in rhone["items"]} == {"69"}
    in_rhone = {row["finess"] for row in rhone["items"]}
    assert {region["ready"].finess, region["silent"].finess} <= in_rhone
    page = client.get(HEATMAP, headers=rssi, params={"limit": 1, "offset": 1}).json()
    assert len(page["items"]) == 1 and page["total"] == body["total"] >= 3
    assert client.get(HEATMAP, headers=rssi, params={"kind": "both"}).status_code == 422

    own = client.get(HEATMAP, headers=auth(Role.ESTABLISHMENT, region["late"])).json()
    assert [row["finess"] for row in own["items"]] == [region["late"].finess]


def test_heatmap_exports(
    client: TestClient, auth: TokenFactory, region: dict[str, Tenant]
) -> None:
    rssi = auth(Role.RSSI)
    params = {"framework": "hn-prerequis", "department": "69"}

    answer = client.get(HEATMAP, headers=rssi, params={**params, "format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith('attachment; filename="heatmap-')
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0][:4] == ["FINESS", "Établissement", "Département", "Éligible hn-prerequis"]
    assert table[0][4].startswith("P1.1 Cellule d'identitovigilance")
    by_finess = {row[0]: row for row in table[1:]}
    assert region["late"].finess not in by_finess  # department 38 filtered out
    assert by_finess[region["ready"].finess][1:] == ["CH Prêt", "69", "oui", *["atteint"] * 11]
    assert by_finess[region["silent"].finess][3:] == ["non", *["inconnu"] * 11]

    answer = client.get(HEATMAP, headers=rssi, params={**params, "format": "xlsx"})
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == table[0]
    ready_row = next(i for i, row in enumerate(values, 1) if row[0] == region["ready"].finess)
    assert values[ready_row - 1][3:] == ["oui", *["atteint"] * 11]
    assert sheet.cell(ready_row, 5).fill.start_color.rgb.endswith("C6EFCE")  # green

    answer = client.get(HEATMAP, headers=rssi, params={**params, "format": "pdf"})
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    text = pdf_text(answer.content)
    assert "Carte régionale des prérequis HN - CaRE" in text
    assert "département 69" in text
    assert region["ready"].finess in text and "CH Prêt" in text
    assert region["late"].finess not in text


def test_exports_are_documented(client: TestClient) -> None:
    """The OpenAPI document names each export's content type, not JSON only (the API
    fuzzer got a PDF from a route documented as answering JSON)."""
    paths = client.get("/openapi.json").json()["paths"]
    tenant = f"{SSI}/tenants/{{finess}}"
    for path in (HEATMAP, f"{tenant}/indicators", f"{tenant}/checks"):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert {"application/json", "text/csv", "application/pdf"} <= set(content), path


def test_tracker_exports(
    client: TestClient, auth: TokenFactory, region: dict[str, Tenant]
) -> None:
    late = region["late"]
    url = f"{SSI}/tenants/{late.finess}/indicators"
    headers = auth(Role.ESTABLISHMENT, late)
    at = datetime(2027, 1, 10, tzinfo=UTC).isoformat()

    answer = client.get(url, headers=headers, params={"format": "csv", "at": at})
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0][:8] == ["Programme", "Domaine", "Indicateur", "Libellé", "Type", "Cible",
                            "Statut", "Fondé sur"]
    p12 = next(row for row in table if row[2] == "P1.2")
    assert p12[5:10] == [">= 90 %", "non atteint", "declared", "40", "déploiement en cours"]
    d2o4 = next(row for row in table if row[2] == "D2.O4")
    assert d2o4[6] == "inconnu" and d2o4[11].startswith("hosting.restore_test = ?")
    assert len(table) == 1 + 11 + 13 + 2

    sheet = load_workbook(io.BytesIO(
        client.get(url, headers=headers, params={"format": "xlsx", "at": at}).content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert next(row for row in rows if row[2] == "P1.2")[8] == 40  # the number stays a number

    text = pdf_text(client.get(url, headers=headers, params={"format": "pdf", "at": at}).content)
    assert "Suivi HN - CaRE de Clinique En retard" in text
    assert "hn-prerequis non éligible" in text and "déploiement en cours" in text
