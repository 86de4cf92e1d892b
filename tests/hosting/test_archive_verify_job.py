"""The periodic archive integrity check against a real SeaweedFS with Object Lock.

The daily schedule queues ``hosting.archive-verify``; the job re-reads only the documents
not checked for N days (and those found damaged before), finds a copy rotten on the
provider's disk (the technique of test_archive_copies.py), fails loudly naming it, and
a worker that dies half way is resumed without re-reading what it already checked.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database, Scope, utcnow
from controlplane.models import AuditRecord, Job, JobLog
from controlplane.schedule import run_if_due
from controlplane.settings import Settings, get_settings
from hosting.archive import flows
from hosting.archive import service as archive
from hosting.archive.models import ArchiveItem
from hosting.schedules import SCHEDULES
from hosting.sim.providers import SimulatedProviders
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.regions import HOST, register, subscribe
from tests.hosting.test_archive import archive_offer
from tests.hosting.test_archive_copies import rot_one_byte
from tests.hosting.test_hosting_cli import socle

ARCHIVES = f"{HOST}/archives"
(SCHEDULE,) = [s for s in SCHEDULES if s.name == flows.VERIFY_JOB]


def reads(database: Database) -> dict[int, int]:
    """How many times each document was checked (its audited ``verify`` records)."""
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        ids = db.scalars(select(AuditRecord.target_id)
                         .where(AuditRecord.action == "hosting.archive.verify"))
        counts: dict[int, int] = {}
        for target in ids:
            counts[int(target)] = counts.get(int(target), 0) + 1
        return counts


def state(database: Database, item_id: int) -> tuple[Any, bool | None]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        item = db.get_one(ArchiveItem, item_id)
        return item.verified_at, item.verified_ok


def scheduled_job(database: Database, settings: Settings, now: Any) -> dict[str, Any]:
    """Run the daily schedule's slot at ``now``, then the job it queued: the finished job."""
    outcome = run_if_due(database, SCHEDULE, settings, now=now)
    assert outcome.ran and outcome.error is None, outcome
    job_id = outcome.result["job_id"] if outcome.result else None
    assert job_id is not None, outcome
    assert jobs.Worker(database).run_once() == job_id
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        job = db.get_one(Job, job_id)
        lines = db.scalars(select(JobLog.message).where(JobLog.job_id == job_id))
        return {"id": job.id, "state": job.state, "error": job.error or "", "log": list(lines)}


def test_scheduled_check_finds_rot_and_leaves_recent_checks_alone(
    providers: SimulatedProviders, client: TestClient, database: Database, settings: Settings,
    auth: TokenFactory, make_tenant: TenantFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    register(client, auth, monkeypatch, "hds-a", "Paris", s3=providers.s3[0])
    tenant = make_tenant()
    own, operator = auth(Role.ESTABLISHMENT, tenant), auth(Role.GCS_OPERATOR)
    subscription = subscribe(client, database, auth, tenant, archive_offer(3),
                             retention_years=10)
    documents, ids = {}, {}
    for name in ("ancien", "recent", "jamais"):
        documents[name] = os.urandom(4096 + len(name))
        made = client.post(ARCHIVES, params={"subscription_id": subscription["id"],
                                             "name": f"{name}.pdf"},
                           content=documents[name], headers=own)
        assert made.status_code == 201, made.text
        ids[name] = made.json()["id"]
    bucket = made.json()["copies"][0]["bucket"]

    # "ancien" was last found intact 100 days ago, "recent" 10 days ago, "jamais" never;
    # since then both checked ones rotted on the provider's disk
    now = utcnow()
    with database.transaction(scope=Scope.unrestricted()) as db:
        for name, age in (("ancien", 100), ("recent", 10)):
            db.execute(update(ArchiveItem).where(ArchiveItem.id == ids[name])
                       .values(verified_at=now - timedelta(days=age), verified_ok=True))
    data_dir = providers.base_dir / providers.s3[0].name / "data"
    for name in ("ancien", "recent"):
        rot_one_byte(data_dir, bucket, documents[name])
    recent_before = state(database, ids["recent"])

    # the daily run reads "ancien" (damaged: the job fails naming it) and "jamais" (intact);
    # "recent", checked 10 days ago, is not read although it is rotten too
    job = scheduled_job(database, settings, now)
    assert job["state"] == "failed", job
    assert f"archive {ids['ancien']} " in job["error"] and "hds-a" in job["error"]
    assert f"archive {ids['jamais']} " not in job["error"]
    assert any("DAMAGED" in line and f"archive {ids['ancien']} " in line for line in job["log"])
    assert reads(database) == {ids["ancien"]: 1, ids["jamais"]: 1}
    assert state(database, ids["ancien"])[1] is False
    assert state(database, ids["jamais"])[1] is True
    assert state(database, ids["recent"]) == recent_before
    detail = client.get(f"{ARCHIVES}/{ids['ancien']}", headers=own).json()["verify_detail"]
    assert detail[0]["ok"] is False and detail[0]["error"]  # digest or transfer checksum

    # the next day only the damaged document is read again (the alert stands), once
    job = scheduled_job(database, settings, now + timedelta(days=1))
    assert job["state"] == "failed" and f"archive {ids['ancien']} " in job["error"]
    assert reads(database) == {ids["ancien"]: 2, ids["jamais"]: 1}

    # with N = 88 days (the setting), 85 days later "recent" (checked 95 days before) is
    # due: its rot is found; "jamais" (checked 85 days before) is not read again
    monkeypatch.setenv("SOCLE_HOSTING_ARCHIVE_VERIFY_DAYS", "88")
    get_settings.cache_clear()
    job = scheduled_job(database, settings, now + timedelta(days=85))
    assert job["state"] == "failed" and f"archive {ids['recent']} " in job["error"]
    assert reads(database) == {ids["ancien"]: 3, ids["jamais"]: 1, ids["recent"]: 1}

    # an operator may check everything now (API, 202 + job); a bad body names its field
    bad = client.post(f"{HOST}/archive/verify", json={"older_than_days": -1}, headers=operator)
    assert bad.status_code == 422 and "older_than_days" in bad.text
    started = client.post(f"{HOST}/archive/verify", json={"older_than_days": 0},
                          headers=operator)
    assert started.status_code == 202, started.text
    job_id = started.json()["job"]["id"]
    again = client.post(f"{HOST}/archive/verify", headers=operator)
    assert again.status_code == 202 and again.json()["job"]["id"] == job_id  # no pile-up

    # the worker dies after checking the first document: the job is resumed by another
    # worker, which does not read that document again
    dead = jobs.Worker(database)
    assert dead.claim() == job_id
    with database.transaction(scope=Scope.unrestricted()) as db:
        archive.verify(db, db.get_one(ArchiveItem, ids["ancien"]),
                       actor=f"job:{job_id} ({flows.VERIFY_JOB})")
        db.execute(update(Job).where(Job.id == job_id)
                   .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    assert jobs.Worker(database).run_once() == job_id
    assert reads(database) == {ids["ancien"]: 4, ids["jamais"]: 2, ids["recent"]: 2}
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        resumed = db.get_one(Job, job_id)
        assert resumed.attempts == 2 and resumed.state == "failed"
        assert f"archive {ids['ancien']} " not in (resumed.error or "")
        assert f"archive {ids['recent']} " in (resumed.error or "")


def test_verify_all_from_the_cli(database: Database, settings: Settings) -> None:
    queued = socle("archive", "verify-all", "--older-than-days", "7", "--json")
    assert (queued["kind"], queued["state"]) == (flows.VERIFY_JOB, "queued")
    socle("archive", "verify-all", "--older-than-days", "-1", code=2)
    assert jobs.Worker(database).run_once() == queued["id"]
    finished = socle("archive", "verify-all", "--here", "--json")
    assert finished["id"] != queued["id"] and finished["state"] == "succeeded"
