"""RPO supervision judged *as of* a date (``supervision.statuses(now=...)``): runs finished
later and alerts raised later do not count, an alert cleared later was still open; the
``backup_supervision`` evidence says the same as the supervision lines."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from controlplane.db import Database, Scope
from controlplane.evidence import collect
from hosting.backup import supervision
from hosting.backup.models import BackupRepository, BackupRun
from hosting.backup.schemas import BackupStatusRead
from tests.conftest import TenantFactory
from tests.hosting.test_evidence_as_of import DAY, Facts, T, timeline

KEY = "hosting.backup_supervision"


def line_at(database: Database, facts: Facts, now: datetime) -> BackupStatusRead:
    """The copy's supervision line at ``now``, checked against the evidence at ``now``."""
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        (copy,) = db.scalars(select(BackupRepository).where(
            BackupRepository.policy_id == facts.policy))
        (line,) = supervision.statuses(db, [copy], now)
        evidence = collect(db, tenant_id=facts.tenant_id, keys=[KEY], now=now)[KEY]
    late = line.rpo_status == "late"
    assert evidence.data["late"] == ([copy.id] if late else [])
    assert evidence.value is (not late and not evidence.data["open_alerts"])
    return line


def test_statuses_count_only_runs_finished_by_now(
    database: Database, make_tenant: TenantFactory, tmp_path: Path
) -> None:
    facts = timeline(database, make_tenant(), tmp_path)  # good run at T-2h, RPO 48 h
    with database.transaction(scope=Scope.unrestricted()) as db:
        good = db.get_one(BackupRun, facts.run)
        db.add(BackupRun(tenant_id=good.tenant_id, repository_id=good.repository_id,
                         kind="backup", state="failed", reason="unreachable",
                         started_at=T + 2 * DAY, finished_at=T + 2 * DAY + timedelta(minutes=1)))

    before = line_at(database, facts, T - DAY)
    assert (before.rpo_status, before.last_snapshot_id, before.last_good_at,
            before.last_run_state, before.open_alerts) == ("late", None, None, None, 1)

    after = line_at(database, facts, T + DAY)
    assert (after.rpo_status, after.last_snapshot_id, after.last_good_at, after.age_hours,
            after.last_run_state, after.open_alerts) == \
        ("ok", "5f1c9a2e", T - timedelta(hours=2), 26.0, "succeeded", 0)

    failed = line_at(database, facts, T + 3 * DAY)
    assert (failed.rpo_status, failed.last_snapshot_id, failed.last_run_state,
            failed.last_run_reason) == ("late", "5f1c9a2e", "failed", "unreachable")
