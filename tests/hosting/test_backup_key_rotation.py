"""Rotating a tenant's restic password with real restic on the real SeaweedFS providers
(a two-copy tier, the second copy write-once under Object Lock): back up, rotate, the old
password is refused by restic, a restore test with the new one is byte-identical; a
worker dying in the middle of either half leaves every repository openable with the
password file in place, and the resumed job finishes without redoing what was done."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database, Scope, utcnow
from controlplane.models import AuditRecord, Job, JobLog
from controlplane.settings import Settings
from hosting.backup.models import BackupPolicy
from hosting.backup.repositories import copy_access
from hosting.drivers.restic import Restic
from hosting.secrets import SECRETS
from hosting.sim.providers import SimulatedProviders
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import offer_body
from tests.hosting.regions import HOST, register, subscribe
from tests.hosting.test_backups_cli import socle


class Crash(BaseException):
    """The worker process dies here (nothing catches it, no step is marked failed)."""


def drivers(database: Database, settings: Settings, subscription_id: int) -> list[Restic]:
    """Each copy's restic driver, opened with the tenant's password file as it is now."""
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        policy = db.scalar(select(BackupPolicy).where(
            BackupPolicy.subscription_id == subscription_id))
        assert policy is not None
        return [copy_access(policy, r, settings.data_dir, timeout=120).open()
                for r in policy.repositories]


def job_view(database: Database, job_id: int) -> dict[str, Any]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        job = db.get_one(Job, job_id)
        lines = list(db.scalars(select(JobLog.message).where(JobLog.job_id == job_id)))
        return {"state": job.state, "error": job.error, "result": job.result,
                "attempts": job.attempts, "log": lines}


def crash_on_second_call(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """``Restic.<method>`` works once, then the worker dies on the next call."""
    original = getattr(Restic, method)
    calls = []

    def dying(self: Restic, *args: Any) -> Any:
        calls.append(args)
        if len(calls) > 1:
            raise Crash(method)
        return original(self, *args)

    monkeypatch.setattr(Restic, method, dying)


def die_in(database: Database, monkeypatch: pytest.MonkeyPatch, method: str, job_id: int,
           openable: Any) -> None:
    """Run the job until its worker dies in ``method``; check ``openable()``; expire the
    dead worker's lease so that another worker resumes the job."""
    with monkeypatch.context() as patch:
        crash_on_second_call(patch, method)
        with pytest.raises(Crash):
            jobs.Worker(database).run_once()
    assert job_view(database, job_id)["state"] == "running"
    openable()
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.execute(update(Job).where(Job.id == job_id)
                   .values(lease_expires_at=utcnow() - timedelta(seconds=1)))


def test_rotate_password_crash_resume_old_refused_restore_identical(
    providers: SimulatedProviders, client: TestClient, auth: TokenFactory,
    make_tenant: TenantFactory, database: Database, settings: Settings,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    a, b = providers.s3
    register(client, auth, monkeypatch, "hds-a", "Paris", s3=a)
    register(client, auth, monkeypatch, "hds-b", "Lyon", s3=b)
    tenant = make_tenant()
    operator, own = auth(Role.GCS_OPERATOR), auth(Role.ESTABLISHMENT, tenant)
    offer = offer_body(1, "backup", copies=2, immutable=True, retention_days=7, rpo_hours=24)
    sub_id = subscribe(client, database, auth, tenant, offer, size_gb=50)["id"]
    source = tmp_path / "source"
    (source / "dossiers").mkdir(parents=True)
    for n in range(5):
        (source / "dossiers" / f"patient-{n}.pdf").write_bytes(os.urandom(4096 + n))
    answer = client.put(f"{HOST}/subscriptions/{sub_id}/backup-policy",
                        json={"source_path": str(source)}, headers=operator)
    assert answer.status_code == 200, answer.text
    started = client.post(f"{HOST}/subscriptions/{sub_id}/backup", headers=own)
    backup_id = started.json()["job"]["id"]
    assert jobs.Worker(database).run_once() == backup_id
    assert job_view(database, backup_id)["state"] == "succeeded"

    password = SECRETS.path(settings.data_dir, f"file:restic-{tenant.finess.lower()}.password")
    passwords = [password.read_text().strip()]

    def openable() -> None:  # the password file in place opens every copy
        assert all(driver.opens() for driver in drivers(database, settings, sub_id))

    # operators only; a tenant without backups has no password to rotate
    rotate = f"{HOST}/tenants/{tenant.finess}/backup-key/rotate"
    assert client.post(rotate, headers=own).status_code == 403
    bare = client.post(f"{HOST}/tenants/{make_tenant().finess}/backup-key/rotate",
                       headers=operator)
    assert bare.status_code == 409 and bare.json()["errors"][0]["field"] == "finess"
    started = client.post(rotate, headers=operator)
    assert started.status_code == 202, started.text
    job_id = started.json()["job"]["id"]
    assert client.post(rotate, headers=operator).json()["job"]["id"] == job_id  # no second

    assert socle("rotate-key", tenant.finess, "--json")["id"] == job_id  # the CLI too
    socle("rotate-key", "999999999", code=3)

    # the worker dies adding the new key to the second copy (the password file is still
    # the old one, it opens both); the resumed job does not add the first copy's again
    die_in(database, monkeypatch, "add_key", job_id, openable)
    # ... then another worker dies after removing the first copy's old key (the password
    # file is the new one now, it opens both); the next one finishes the job
    die_in(database, monkeypatch, "remove_key", job_id, openable)
    assert jobs.Worker(database).run_once() == job_id
    done = job_view(database, job_id)
    assert done["state"] == "succeeded", done
    assert done["attempts"] == 3 and done["result"] == {
        "repositories": 2, "keys_added": 1, "old_keys_removed": 1}  # done by the last runs
    passwords.append(password.read_text().strip())
    assert passwords[1] != passwords[0] and password.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in password.parent.glob("restic-*.password*")) == [password.name]
    assert not any(secret in str(done) for secret in passwords)
    openable()
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        rotations = list(db.scalars(select(AuditRecord.target_id).where(
            AuditRecord.action == "hosting.backup-key.rotate")))
    assert rotations == [tenant.finess]

    # restic itself refuses both old passwords on both copies; the new one opens them
    for driver in drivers(database, settings, sub_id):
        env = {**os.environ, **driver.access.environment()}
        for old in passwords[:1]:
            refused = subprocess.run(["restic", "--no-cache", "snapshots"],
                                     env={**env, "RESTIC_PASSWORD": old},
                                     capture_output=True, text=True, check=False)
            assert refused.returncode != 0 and "wrong password" in refused.stderr
        assert [k.current for k in driver.list_keys()] == [True]

    # a restore test with the new password: every file byte-identical (SHA-256 recorded
    # at backup time), from the write-once copy
    tested = client.post(f"{HOST}/subscriptions/{sub_id}/restore-test", headers=own,
                         json={"copy_index": 1})
    assert tested.status_code == 202, tested.text
    assert jobs.Worker(database).run_once() == tested.json()["job"]["id"]
    test = client.get(f"{HOST}/backups/restore-tests", headers=own).json()["items"][0]
    assert test["state"] == "succeeded", test
    assert test["files_checked"] == 5 and test["mismatches"] == []
