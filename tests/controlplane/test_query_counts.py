"""List endpoints run a fixed number of queries, whatever the page holds (no N+1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controlplane import jobs
from controlplane.db import Database, Scope
from tests.conftest import TenantFactory, TokenFactory
from tests.support.queries import count_queries

# token lookup + count + page
EXPECTED = {"/api/v1/tenants": 3, "/api/v1/jobs": 3, "/api/v1/audit": 3, "/api/v1/tokens": 3}


def _seed(make_tenant: TenantFactory, auth: TokenFactory, database: Database, tmp_path: Path,
          n: int) -> None:
    for _ in range(n):
        tenant = make_tenant()
        auth("establishment", tenant)
        with database.transaction(scope=Scope.unrestricted()) as db:
            jobs.enqueue(db, kind="test.quick", actor="t", tenant_id=tenant.id,
                         params={"marker": str(tmp_path / "m"), "release": ""})


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_list_query_count_does_not_grow(path: str, client: TestClient, auth: TokenFactory,
                                        make_tenant: TenantFactory, database: Database,
                                        tmp_path: Path) -> None:
    headers = auth("gcs-operator")
    counts = []
    for n in (1, 6):
        _seed(make_tenant, auth, database, tmp_path, n)
        with count_queries(database.engine, database.read_engine) as statements:
            answer = client.get(path, headers=headers)
        assert answer.status_code == 200 and answer.json()["items"]
        counts.append(len(statements))
    assert counts == [EXPECTED[path]] * 2, statements
