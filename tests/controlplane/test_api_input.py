"""What the API fuzzer (test_api_fuzz.py) found, pinned on both databases: input the
database cannot hold is refused at the edge with a 422 naming the field, never a 500,
and nothing is written.

- ids and offsets beyond a PostgreSQL INTEGER (``controlplane.schemas.RowId``,
  ``INT4_MAX``): SQLite raised OverflowError past 2**63, PostgreSQL's columns stop at
  2**31 - 1;
- a JSON body that is not UTF-8 (FastAPI's bare, undocumented 400);
- NUL characters, unpaired surrogates and NaN (``controlplane.api.storable``):
  PostgreSQL refuses them in text and JSON, SQLite stored them.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.models import AuditRecord, Tenant
from controlplane.schemas import INT4_MAX
from tests.conftest import TokenFactory

API = "/api/v1"
TENANT = {"finess": "750712184", "name": "Hôpital de test", "kind": "ES"}


def _rows(database: Database) -> tuple[int, int]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return (db.scalar(select(func.count()).select_from(Tenant)) or 0,
                db.scalar(select(func.count()).select_from(AuditRecord)) or 0)


def _fields(answer: Response) -> list[str]:
    """The fields a 422 problem+json names."""
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in answer.json()["errors"]]


@pytest.mark.parametrize("row_id", [2**63, INT4_MAX + 1, 0, -1])
@pytest.mark.parametrize(("method", "path", "field"), [
    ("GET", f"{API}/jobs/{{}}", "job_id"),
    ("POST", f"{API}/jobs/{{}}/cancel", "job_id"),
    ("DELETE", f"{API}/tokens/{{}}", "token_id"),
    ("GET", f"{API}/network/providers/{{}}", "provider_id"),
    ("DELETE", f"{API}/network/vrfs/{{}}", "vrf_id"),
    ("GET", f"{API}/hosting/subscriptions/{{}}", "subscription_id"),
    ("GET", f"{API}/ssi/campaigns/{{}}", "campaign_id"),
    ("GET", f"{API}/apps/deployments/{{}}", "deployment_id"),
])
def test_an_id_no_row_can_have_is_422_naming_it(
    client: TestClient, auth: TokenFactory, method: str, path: str, field: str, row_id: int
) -> None:
    answer = client.request(method, path.format(row_id), headers=auth(Role.GCS_OPERATOR))
    assert _fields(answer) == [field]


def test_the_largest_id_is_simply_not_found(client: TestClient, auth: TokenFactory) -> None:
    answer = client.get(f"{API}/jobs/{INT4_MAX}", headers=auth(Role.GCS_OPERATOR))
    assert answer.status_code == 404


@pytest.mark.parametrize(("path", "field"), [
    (f"{API}/tenants?offset={INT4_MAX + 1}", "offset"),
    (f"{API}/network/pools?offset={2**63}", "offset"),
    (f"{API}/network/prefixes?pool={2**63}", "pool"),
    (f"{API}/ssi/assessments?campaign={2**63}", "campaign"),
    (f"{API}/hosting/archives?subscription_id={INT4_MAX + 1}", "subscription_id"),
    (f"{API}/hosting/dr-exercises?plan_id={2**63}", "plan_id"),
])
def test_query_ids_and_offsets_are_bounded(
    client: TestClient, auth: TokenFactory, path: str, field: str
) -> None:
    assert _fields(client.get(path, headers=auth(Role.GCS_OPERATOR))) == [field]


@pytest.mark.parametrize(("path", "body", "field"), [
    (f"{API}/network/apply", {"plan_id": 2**63}, "plan_id"),
    (f"{API}/hosting/dr-plans", {"subscription_id": INT4_MAX + 1, "rto_minutes": 60,
                                 "rpo_minutes": 60}, "subscription_id"),
])
def test_body_ids_are_bounded(client: TestClient, auth: TokenFactory, database: Database,
                              path: str, body: dict, field: str) -> None:
    before = _rows(database)
    assert _fields(client.post(path, json=body, headers=auth(Role.GCS_OPERATOR))) == [field]
    assert _rows(database) == before


def test_a_body_that_is_not_utf8_is_422_on_body(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    before = _rows(database)
    headers = {**auth(Role.GCS_OPERATOR), "Content-Type": "application/json"}
    answer = client.post(f"{API}/tenants", content=b'{"name": "\xff\xfe"}', headers=headers)
    assert _fields(answer) == ["body"]
    assert "UTF-8" in answer.json()["detail"]
    assert _rows(database) == before


@pytest.mark.parametrize(("raw", "field", "words"), [
    ('{"finess": "750712184", "name": "CH\\u0000", "kind": "ES"}', "name", "NUL"),
    ('{"finess": "750712184", "name": "CH \\ud800", "kind": "ES"}', "name", "surrogate"),
    ('{"finess": "750712184", "name": "CH", "kind": "ES", "a\\u0000": 1}', "a\x00", "NUL"),
    ('{"finess": "750712184", "name": "CH", "kind": "ES", "department": NaN}', "department",
     "finite"),
])
def test_text_no_database_stores_is_422_and_writes_nothing(
    client: TestClient, auth: TokenFactory, database: Database, raw: str, field: str,
    words: str,
) -> None:
    before = _rows(database)
    headers = {**auth(Role.GCS_OPERATOR), "Content-Type": "application/json"}
    answer = client.post(f"{API}/tenants", content=raw.encode(), headers=headers)
    assert _fields(answer) == [field]
    assert words in answer.json()["errors"][0]["message"]
    assert _rows(database) == before


def test_nul_in_a_path_or_query_is_422(client: TestClient, auth: TokenFactory) -> None:
    headers = auth(Role.GCS_OPERATOR)
    assert _fields(client.get(f"{API}/tenants/75071%002184", headers=headers)) == ["finess"]
    assert _fields(client.get(f"{API}/tenants?department=6%009", headers=headers)) == [
        "department"]
    assert _fields(client.get(f"{API}/tenants?%00=1", headers=headers)) == ["\x00"]
    assert _fields(client.patch(f"{API}/tenants/750712184",
                                json={"name": "x\x00"}, headers=headers)) == ["name"]


def test_the_same_text_without_nul_is_stored(
    client: TestClient, auth: TokenFactory
) -> None:
    """Control: the guard refuses the character, not unusual text (the fuzzer's unicode)."""
    name = "CH Saint-Étienne \u2014 \U0001f3e5 \\u0000 \u200b"
    answer = client.post(f"{API}/tenants", json={**TENANT, "name": name},
                         headers=auth(Role.GCS_OPERATOR))
    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == name
