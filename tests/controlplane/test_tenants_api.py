"""Tenants through the HTTP API: validation, conflicts, scoping, pagination, audit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from controlplane.db import Database, Scope
from controlplane.models import AuditRecord, Tenant
from tests.conftest import TenantFactory, TokenFactory

VALID = {"finess": "750712184", "name": "Hôpital de test", "kind": "ES", "department": "75"}


def _counts(database: Database) -> tuple[int, int]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return (
            db.scalar(select(func.count()).select_from(Tenant)) or 0,
            db.scalar(select(func.count()).select_from(AuditRecord)) or 0,
        )


def test_operator_creates_reads_and_updates_a_tenant(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    headers = auth("gcs-operator")
    created = client.post("/api/v1/tenants", json=VALID, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["finess"] == "750712184"

    shown = client.get("/api/v1/tenants/750712184", headers=headers).json()
    assert shown["name"] == "Hôpital de test" and shown["department"] == "75"

    patched = client.patch(
        "/api/v1/tenants/750712184", json={"name": "CH renommé"}, headers=headers
    )
    assert patched.status_code == 200 and patched.json()["name"] == "CH renommé"

    with database.session(scope=Scope.unrestricted(), write=False) as db:
        actions = db.scalars(select(AuditRecord.action).order_by(AuditRecord.seq)).all()
        update = db.scalar(select(AuditRecord).where(AuditRecord.action == "tenant.update"))
    assert actions[-2:] == ["tenant.create", "tenant.update"]
    assert update is not None
    assert update.before["name"] == "Hôpital de test" and update.after["name"] == "CH renommé"


def test_department_defaults_to_the_finess_one(client: TestClient, auth: TokenFactory) -> None:
    body = {"finess": "2A0012340", "name": "CH d'Ajaccio", "kind": "ES"}
    answer = client.post("/api/v1/tenants", json=body, headers=auth("gcs-operator"))
    assert answer.status_code == 201
    assert answer.json()["department"] == "2A"


def test_invalid_input_is_422_naming_the_field_and_writes_nothing(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    headers = auth("gcs-operator")
    before = _counts(database)
    cases = [
        ({**VALID, "finess": "750712185"}, "finess", "check key"),
        ({**VALID, "finess": "12345"}, "finess", "9 characters"),
        ({**VALID, "kind": "HOSPITAL"}, "kind", ""),
        ({**VALID, "department": "99"}, "department", "unknown department"),
        ({**VALID, "department": "69"}, "body", "does not match"),
        ({**VALID, "name": ""}, "name", ""),
        ({**VALID, "surprise": 1}, "surprise", ""),
    ]
    for body, field, message in cases:
        answer = client.post("/api/v1/tenants", json=body, headers=headers)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["status"] == 422
        assert any(e["field"] == field and message in e["message"] for e in problem["errors"]), (
            field,
            problem,
        )
    assert _counts(database) == before


def test_malformed_json_is_422(client: TestClient, auth: TokenFactory, database: Database) -> None:
    before = _counts(database)
    answer = client.post(
        "/api/v1/tenants",
        content=b'{"finess": "7507',
        headers={**auth("gcs-operator"), "content-type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body" or answer.json()["errors"]
    assert _counts(database) == before


def test_duplicate_finess_is_409_and_audits_nothing(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    headers = auth("gcs-operator")
    assert client.post("/api/v1/tenants", json=VALID, headers=headers).status_code == 201
    before = _counts(database)
    answer = client.post("/api/v1/tenants", json=VALID, headers=headers)
    assert answer.status_code == 409
    assert "already registered" in answer.json()["detail"]
    assert _counts(database) == before


def test_listing_paginates_and_filters(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    for department in ["69", "69", "38", "42", "2B"]:
        make_tenant(department=department)
    headers = auth("gcs-operator")
    page = client.get("/api/v1/tenants?limit=2&offset=0", headers=headers).json()
    assert page["total"] == 5 and len(page["items"]) == 2
    rest = client.get("/api/v1/tenants?limit=10&offset=2", headers=headers).json()
    seen = {t["finess"] for t in page["items"]} | {t["finess"] for t in rest["items"]}
    assert len(seen) == 5
    rhone = client.get("/api/v1/tenants?department=69", headers=headers).json()
    assert rhone["total"] == 2 and all(t["department"] == "69" for t in rhone["items"])
    assert client.get("/api/v1/tenants?limit=0", headers=headers).status_code == 422


def test_an_establishment_sees_only_itself(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    own, other = make_tenant(), make_tenant()
    headers = auth("establishment", own)
    listing = client.get("/api/v1/tenants", headers=headers).json()
    assert listing["total"] == 1 and [t["finess"] for t in listing["items"]] == [own.finess]
    assert client.get(f"/api/v1/tenants/{own.finess}", headers=headers).status_code == 200
    hidden = client.get(f"/api/v1/tenants/{other.finess}", headers=headers)
    assert hidden.status_code == 404
    unknown = client.get("/api/v1/tenants/750712184", headers=headers)
    assert unknown.json()["detail"].replace("750712184", other.finess) == hidden.json()["detail"]


def test_missing_or_bad_token_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/tenants").status_code == 401
    bad = client.get("/api/v1/tenants", headers={"Authorization": "Bearer socle_nope"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"


def test_revoked_token_stops_working(client: TestClient, auth: TokenFactory) -> None:
    operator = auth("gcs-operator")
    issued = client.post(
        "/api/v1/tokens", json={"name": "script", "role": "auditor"}, headers=operator
    ).json()
    script = {"Authorization": f"Bearer {issued['token']}"}
    assert client.get("/api/v1/audit", headers=script).status_code == 200
    assert client.delete(f"/api/v1/tokens/{issued['id']}", headers=operator).status_code == 200
    assert client.get("/api/v1/audit", headers=script).status_code == 401
    listed = client.get("/api/v1/tokens", headers=operator).json()
    assert all("token" not in t and "token_hash" not in t for t in listed["items"])


def test_search_finds_corsican_numbers_whatever_the_case(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    corsican = make_tenant(department="2A")
    headers = auth("gcs-operator")
    for query in (corsican.finess, corsican.finess.lower()):
        found = client.get(f"/api/v1/tenants?q={query}", headers=headers).json()
        assert [t["finess"] for t in found["items"]] == [corsican.finess]


def test_token_expiry_must_be_in_the_future(client: TestClient, auth: TokenFactory) -> None:
    answer = client.post(
        "/api/v1/tokens",
        headers=auth("gcs-operator"),
        json={"name": "old", "role": "auditor", "expires_at": "2020-01-01T00:00:00Z"},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "expires_at"
