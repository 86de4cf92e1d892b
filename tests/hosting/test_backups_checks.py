"""Integrity checks of backup copies without a provider: the damaged packs restic names,
and the scheduler queuing a check every ``SOCLE_HOSTING_BACKUP_CHECK_DAYS`` with the
configured share of data (the checks themselves run in tests/faults/test_corrupt_pack.py
and, over SSH, in test_backups.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from controlplane import jobs
from controlplane.db import Database, Scope
from controlplane.models import Job
from controlplane.settings import get_settings
from hosting.backup.flows import CHECK_JOB, tick
from hosting.backup.models import BackupCheck, BackupRepository
from hosting.drivers.restic import classify
from hosting.drivers.restic_records import Reason, damaged_packs
from tests.conftest import TenantFactory
from tests.hosting.authz_cases_backups import backup_subscription
from tests.hosting.factories import HostingFactory

WANT = "dd4d25232d54824e8750f558325214066375568bcd2e4a8db6cfa99e12b2995c"
GOT = "e0a34f61d13387c8fac9e266e7e2a809ae71f652114db06c7d335decbd0b115d"
OTHER = "819a9a52e4f51230afa89aefbf90df37fb70996337ae57e6f7a822959206a85e"
T0 = datetime.fromisoformat("2026-12-08T03:00:00+00:00")


def test_restic_check_output_names_the_damaged_packs() -> None:
    output = (f"using temporary cache in /tmp/restic-check-cache-1\nload indexes\n"
              f"read 100.0% of data packs\nPack ID does not match, want {WANT}, got {GOT}\n"
              f"pack {OTHER} contains 1 errors: [blob 4e6a: ciphertext verification failed]\n"
              f"Pack ID does not match, want {WANT}, got {GOT}\n"
              "Fatal: repository contains errors")
    assert damaged_packs(output) == (WANT, OTHER)
    assert classify(output) is Reason.CORRUPT
    assert damaged_packs("Fatal: unable to open repository: connection refused") == ()


def _queued_checks(database: Database, now: datetime) -> list[int]:
    with database.transaction(scope=Scope.unrestricted()) as db:
        return list(tick(db, now=now)["queued"][CHECK_JOB])


def _finish(database: Database, job_id: int, started: datetime) -> None:
    """The queued check job ends, having checked the copy at ``started``."""
    with database.transaction(scope=Scope.unrestricted()) as db:
        jobs.request_cancel(db, db.get_one(Job, job_id), actor="tests")
        repository = db.scalars(select(BackupRepository)).one()
        db.add(BackupCheck(tenant_id=repository.tenant_id, repository_id=repository.id,
                           job_id=job_id, subset_percent=5.0, state="succeeded",
                           damaged_packs=[], started_at=started,
                           finished_at=started + timedelta(minutes=3)))


def test_a_check_is_queued_every_configured_days_with_the_configured_share(
    database: Database, make_tenant: TenantFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = SimpleNamespace(hosting=HostingFactory(database), database=database)
    backup_subscription(world, make_tenant())  # type: ignore[arg-type]  (a good snapshot)
    monkeypatch.setenv("SOCLE_HOSTING_BACKUP_CHECK_PERCENT", "2.5")
    get_settings.cache_clear()

    (first,) = _queued_checks(database, T0)  # never checked: due now
    with database.session(scope=Scope.unrestricted()) as db:
        assert db.get_one(Job, first).params["subset_percent"] == 2.5
    assert _queued_checks(database, T0) == []  # one is queued already
    _finish(database, first, T0)
    assert _queued_checks(database, T0 + timedelta(hours=23)) == []
    (second,) = _queued_checks(database, T0 + timedelta(days=1))  # daily by default
    _finish(database, second, T0 + timedelta(days=1))

    monkeypatch.setenv("SOCLE_HOSTING_BACKUP_CHECK_DAYS", "7")
    get_settings.cache_clear()
    assert _queued_checks(database, T0 + timedelta(days=7)) == []
    assert len(_queued_checks(database, T0 + timedelta(days=8))) == 1
