"""Every listing of the API answers ``?format=csv|xlsx|pdf`` with the whole filtered
listing as a file (controlplane.api.pagination.page_or_export): the same rows the JSON
pages hold, the caller's tenant scope kept, text a spreadsheet would run kept inert, a
listing larger than the export limit refused with a 422 naming ``format``."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from controlplane.api import pagination
from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.exports import XLSX_MEDIA_TYPE
from controlplane.models import Tenant
from controlplane.schemas import TenantRead
from network.inventory.schemas import SiteRead
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _listings(document: dict) -> list[tuple[str, dict]]:
    """Every GET of the OpenAPI document that answers a page of items."""
    found = []
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        content = get["responses"].get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        name = schema.get("$ref", "").split("/")[-1]  # Page_X, or ..._Page_X___1 when X repeats
        if name.startswith("Page_") or "__Page_" in name:
            found.append((path, get))
    return found


def test_every_listing_documents_its_exports(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    listings = _listings(document)
    assert len(listings) >= 40  # every plane's and the control plane's
    for path, operation in listings:
        formats = [p for p in operation["parameters"] if p["name"] == "format"]
        assert formats, f"{path} has no ?format="
        shape = formats[0]["schema"]["$ref"].split("/")[-1]
        assert document["components"]["schemas"][shape]["enum"] == ["json", "csv", "xlsx", "pdf"]
        content = operation["responses"]["200"]["content"]
        assert {"text/csv", XLSX_MEDIA_TYPE, "application/pdf"} <= set(content), path


def test_export_holds_the_whole_filtered_listing(client: TestClient, auth: TokenFactory,
                                                 make_tenant: TenantFactory) -> None:
    made = [make_tenant("69", name=f"Hôpital {n}") for n in range(3)]
    other = make_tenant("75", name="Clinique")
    headers = auth(Role.GCS_OPERATOR)
    page = client.get("/api/v1/tenants?department=69&limit=1", headers=headers).json()
    assert page["total"] == 3 and len(page["items"]) == 1

    answer = client.get("/api/v1/tenants?department=69&limit=1&format=csv", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="etablissements.csv"' in answer.headers["content-disposition"]
    header, *rows = _csv(answer.content)
    assert header == list(TenantRead.model_fields)
    assert sorted(row[header.index("finess")] for row in rows) == sorted(t.finess for t in made)
    assert other.finess not in answer.text

    workbook = client.get("/api/v1/tenants?department=69&format=xlsx", headers=headers)
    assert workbook.headers["content-type"] == XLSX_MEDIA_TYPE
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == header and len(values) == 4


def test_an_establishment_exports_only_its_own_rows(client: TestClient, auth: TokenFactory,
                                                     make_tenant: TenantFactory,
                                                     database: Database) -> None:
    mine, theirs = make_tenant("69"), make_tenant("38")
    network = NetworkFactory(database)
    own, other = network.site(mine), network.site(theirs)

    answer = client.get("/api/v1/network/sites?format=csv", headers=auth(Role.ESTABLISHMENT, mine))
    assert answer.status_code == 200
    header, *rows = _csv(answer.content)
    assert header == list(SiteRead.model_fields)
    assert [row[header.index("code")] for row in rows] == [own.code]
    assert other.code not in answer.text and theirs.finess not in answer.text


def test_text_a_spreadsheet_would_run_stays_text(client: TestClient, auth: TokenFactory,
                                                  make_tenant: TenantFactory,
                                                  database: Database) -> None:
    tenant = make_tenant("69")
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.get(Tenant, tenant.id).name = '=HYPERLINK("http://evil.example","clic")'
    answer = client.get("/api/v1/tenants?format=csv", headers=auth(Role.GCS_OPERATOR))
    header, *rows = _csv(answer.content)
    assert rows[0][header.index("name")].startswith("'=HYPERLINK")


def test_a_listing_larger_than_the_export_limit_is_refused(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _ in range(3):
        make_tenant("69")
    monkeypatch.setattr(pagination, "EXPORT_LIMIT", 2)
    headers = auth(Role.GCS_OPERATOR)
    refused = client.get("/api/v1/tenants?format=csv", headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "format"
    assert client.get("/api/v1/tenants?department=69&limit=2", headers=headers).status_code == 200


def test_pdf_export_prints_the_rows(client: TestClient, auth: TokenFactory,
                                     make_tenant: TenantFactory) -> None:
    tenant = make_tenant("69", name="Centre hospitalier de test")
    answer = client.get("/api/v1/tenants?format=pdf", headers=auth(Role.GCS_OPERATOR))
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    assert "Établissements" in text and tenant.finess in text
