"""A real Prometheus (Debian's) with the shipped configuration scrapes Socle's API served by
uvicorn and evaluates the shipped rules: the hosting plane's state in the database becomes
firing and pending alerts, and its figures can be queried.

The shipped ``monitoring/prometheus.yml`` is used as it is, but for the target (the test
server's port), the intervals (one second) and the rule paths (absolute).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from controlplane.api.app import create_app
from controlplane.db import Database, Scope, utcnow
from controlplane.settings import Settings
from hosting.backup.models import BackupRepository, RestoreTest
from tests.conftest import TenantFactory
from tests.hosting.test_evidence_as_of import T, timeline
from tests.hosting.test_metrics import archived
from tests.support.live_server import serve
from tests.support.prometheus import alerts_by_name, ask, running_prometheus


@pytest.fixture
def database_url(sqlite_factory: Any) -> str:
    """SQLite only: what is tested is Prometheus reading the exposition, the same on both."""
    return str(sqlite_factory.new_url())


@pytest.fixture
def prometheus(settings: Settings, database: Database, tmp_path: Path) -> Iterator[str]:
    """Prometheus scraping Socle's API; yields its base URL."""
    with serve(create_app(settings, database), name="socle-api") as api, \
            running_prometheus(api, tmp_path, data_dir=settings.data_dir) as url:
        yield url


def test_prometheus_scrapes_socle_and_fires_the_hosting_alerts(
    prometheus: str, database: Database, make_tenant: TenantFactory, tmp_path: Path
) -> None:
    tenant = make_tenant()
    facts = timeline(database, tenant, tmp_path)  # last good snapshot months ago
    with database.transaction(scope=Scope.unrestricted()) as db:
        (copy,) = db.scalars(select(BackupRepository)
                             .where(BackupRepository.policy_id == facts.policy))
        db.add(RestoreTest(tenant_id=tenant.id, repository_id=copy.id, state="failed",
                           error="checksum mismatch", started_at=T + timedelta(hours=1),
                           finished_at=T + timedelta(hours=1, seconds=3)))
    archived(facts, database, "damaged.pdf", created=utcnow() - timedelta(days=3),
             verified_at=utcnow(), ok=False)

    found = alerts_by_name(prometheus, {"BackupRestoreTestFailed", "ArchiveDocumentDamaged",
                                        "BackupRpoBreached"})
    (failed,) = found["BackupRestoreTestFailed"]
    assert failed["state"] == "firing"
    assert failed["labels"]["finess"] == tenant.finess
    (damaged,) = found["ArchiveDocumentDamaged"]
    assert (damaged["state"], damaged["labels"]["severity"]) == ("firing", "critical")
    assert f"{tenant.finess}: 1 archived document(s)" in damaged["annotations"]["summary"]
    (late,) = found["BackupRpoBreached"]
    assert late["state"] == "pending"  # late, but not yet for 10 minutes
    # nothing fires that the rows do not say: PRA exercised this year, certificates valid
    assert not {"DrExerciseOverdue", "HdsCertificateExpired", "HdsCertificateExpiresSoon",
                "DrExerciseObjectivesMissed"} & set(found)

    series = ask(prometheus, "/api/v1/query?query=socle_backup_late")["result"]
    assert [(s["metric"]["finess"], s["value"][1]) for s in series] == [(tenant.finess, "1")]
    targets = ask(prometheus, "/api/v1/targets")["activeTargets"]
    assert [(t["labels"]["job"], t["health"]) for t in targets] == [("socle-api", "up")]
