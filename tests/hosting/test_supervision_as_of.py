"""RPO supervision judged *as of* a date (``supervision.statuses(now=...)``): runs and
integrity checks finished later and alerts raised later do not count, an alert cleared
later was still open; the ``backup_supervision`` evidence says the same as the
supervision lines."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from controlplane.db import Database, Scope
from controlplane.evidence import collect
from controlplane.settings import get_settings
from hosting.backup import supervision
from hosting.backup.models import BackupCheck, BackupRepository, BackupRun
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
    late, damaged = line.rpo_status == "late", line.last_check_state == "failed"
    checked_since = line.last_check_at or copy.created_at
    overdue = now - checked_since > timedelta(days=get_settings().hosting_backup_check_days + 1)
    assert evidence.data["late"] == ([copy.id] if late else [])
    assert evidence.data["check_failed"] == ([copy.id] if damaged else [])
    assert evidence.data["check_overdue"] == ([copy.id] if overdue else [])
    assert evidence.value is (not late and not damaged and not overdue
                              and not evidence.data["open_alerts"])
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


def test_a_copy_whose_last_check_failed_is_not_supervised_good(
    database: Database, make_tenant: TenantFactory, tmp_path: Path
) -> None:
    facts = timeline(database, make_tenant(), tmp_path)  # checked fine at T-1h
    with database.transaction(scope=Scope.unrestricted()) as db:
        good = db.get_one(BackupCheck, facts.check)
        db.add(BackupCheck(tenant_id=good.tenant_id, repository_id=good.repository_id,
                           subset_percent=100.0, state="failed", reason="corrupt",
                           error="restic check: Fatal: repository contains errors",
                           damaged_packs=["ab" * 32], started_at=T + DAY,
                           finished_at=T + DAY + timedelta(minutes=9)))

    unchecked = line_at(database, facts, T - DAY)
    assert (unchecked.last_check_state, unchecked.last_check_at) == (None, None)
    checked = line_at(database, facts, T + timedelta(hours=1))
    assert (checked.last_check_state, checked.last_check_percent, checked.last_check_at) == \
        ("succeeded", 5.0, T - timedelta(hours=1))
    damaged = line_at(database, facts, T + DAY + timedelta(hours=1))  # in its RPO, no alert
    assert (damaged.rpo_status, damaged.open_alerts, damaged.last_check_state,
            damaged.last_check_reason, damaged.last_check_damaged_packs) == \
        ("ok", 0, "failed", "corrupt", ["ab" * 32])
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        evidence = collect(db, tenant_id=facts.tenant_id, keys=[KEY],
                           now=T + DAY + timedelta(hours=1))[KEY]
    assert evidence.value is False and "dernière vérification d'intégrité" in evidence.rule


def test_a_copy_not_checked_in_time_is_not_supervised_good(
    database: Database, make_tenant: TenantFactory, tmp_path: Path
) -> None:
    facts = timeline(database, make_tenant(), tmp_path)  # checked fine at T-1h, RPO 48 h
    with database.transaction(scope=Scope.unrestricted()) as db:
        good = db.get_one(BackupRun, facts.run)  # backed up every day since: never late
        for day in (1, 2, 3):
            db.add(BackupRun(tenant_id=good.tenant_id, repository_id=good.repository_id,
                             kind="backup", state="succeeded", snapshot_id=f"5f1c9a2{day}",
                             files=3, bytes=1200, checksums=good.checksums,
                             started_at=T + day * DAY - timedelta(minutes=1),
                             finished_at=T + day * DAY))

    # checked daily (the default): the check is due within a day, one more day of grace
    in_time = line_at(database, facts, T + DAY + timedelta(hours=22))
    assert (in_time.rpo_status, in_time.last_check_state) == ("ok", "succeeded")
    overdue = line_at(database, facts, T + 2 * DAY + timedelta(hours=1))
    assert (overdue.rpo_status, overdue.last_check_state) == ("ok", "succeeded")
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        evidence = collect(db, tenant_id=facts.tenant_id, keys=[KEY],
                           now=T + 2 * DAY + timedelta(hours=1))[KEY]
    assert evidence.value is False and evidence.data["check_overdue"] != []
    assert "1 copie(s) non vérifiée(s) à temps" in evidence.detail
    assert "SOCLE_HOSTING_BACKUP_CHECK_DAYS" in evidence.rule
