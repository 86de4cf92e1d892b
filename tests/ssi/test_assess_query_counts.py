"""The assessment side's list endpoints run a fixed number of queries (no N+1)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from controlplane.db import Database, Scope, utcnow
from ssi.campaigns import service as campaigns
from ssi.campaigns.schemas import CampaignCreate
from ssi.risks import service as risks
from ssi.risks.schemas import StudyCreate
from tests.conftest import TenantFactory, TokenFactory
from tests.support.queries import count_queries

# token lookup + count + page
LISTS = ("/api/v1/ssi/campaigns", "/api/v1/ssi/assessments", "/api/v1/ssi/risk-studies")


def test_list_query_counts_do_not_grow(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    headers = auth("rssi")
    counts: dict[str, list[int]] = {path: [] for path in LISTS}
    for n in (1, 4):
        tenants = [make_tenant() for _ in range(n)]
        with database.transaction(scope=Scope.unrestricted()) as db:
            campaigns.open_campaign(db, CampaignCreate(
                name=f"c{n}", deadline=utcnow().date() + timedelta(days=1),
                tenants=[t.finess for t in tenants]), actor="tests")
            for tenant in tenants:
                risks.create_study(db, StudyCreate(tenant=tenant.finess, title="s"),
                                   actor="tests")
        for path in LISTS:
            with count_queries(database.engine, database.read_engine) as statements:
                answer = client.get(path, headers=headers)
            assert answer.status_code == 200 and answer.json()["items"]
            counts[path].append(len(statements))
    assert counts == {path: [3, 3] for path in LISTS}
