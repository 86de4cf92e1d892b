"""The backup listings answer in a fixed number of queries, whatever the number of copies
(no N+1), and an establishment's listing holds only its own copies."""

from __future__ import annotations

from types import SimpleNamespace

from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database, Scope, utcnow
from hosting.backup.models import BackupAlert, BackupCheck, BackupRepository
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.authz_cases_backups import backup_subscription
from tests.hosting.factories import HostingFactory
from tests.support.queries import count_queries

BACKUPS = "/api/v1/hosting/backups"


def test_backup_listings_queries_are_pinned(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, database: Database,
) -> None:
    world = SimpleNamespace(hosting=HostingFactory(database), database=database)
    operator = auth(Role.GCS_OPERATOR)
    counts: dict[str, list[int]] = {}
    tenants = []
    for _ in range(3):
        tenants.append(make_tenant())
        backup_subscription(world, tenants[-1])  # type: ignore[arg-type]
        with database.transaction(scope=Scope.unrestricted()) as db:
            for repository in db.scalars(db.query(BackupRepository).statement):
                db.add(BackupAlert(tenant_id=repository.tenant_id,
                                   repository_id=repository.id, kind="late", message="m"))
                db.add(BackupCheck(tenant_id=repository.tenant_id, repository_id=repository.id,
                                   subset_percent=5.0, state="failed", reason="corrupt",
                                   damaged_packs=["ab" * 32], finished_at=utcnow()))
        for path in ("", "/runs", "/restore-tests", "/checks", "/alerts"):
            with count_queries(database.engine, database.read_engine) as statements:
                answer = client.get(f"{BACKUPS}{path}", headers=operator)
            assert answer.status_code == 200, answer.text
            counts.setdefault(path or "/", []).append(len(statements))
    assert {path: len(set(values)) for path, values in counts.items()} == \
        {"/": 1, "/runs": 1, "/restore-tests": 1, "/checks": 1, "/alerts": 1}, counts
    own = client.get(BACKUPS, headers=auth(Role.ESTABLISHMENT, tenants[0])).json()
    assert own["total"] == 1 and own["items"][0]["tenant"] == tenants[0].finess
    assert own["items"][0]["rpo_status"] == "ok" and own["items"][0]["open_alerts"] >= 1
    assert own["items"][0]["last_check_damaged_packs"] == ["ab" * 32]
