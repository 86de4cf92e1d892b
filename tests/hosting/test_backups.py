"""Backups end to end against the simulated providers (two SeaweedFS S3 servers, restic on
loopback): provision a two-copy immutable tier → policy → backup → restore test
(byte-identical) → retention → Object Lock refusal → corrupted pack fails the restore
test loudly; evidence for the SSI plane; the scheduler, RPO alerts and an integrity check,
with restic run over SSH."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database, Scope, utcnow
from controlplane.evidence import collect
from controlplane.models import Job
from controlplane.settings import Settings
from hosting.backup import flows as backup_jobs
from hosting.backup.models import BackupPolicy, BackupRepository
from hosting.backup.repositories import copy_access
from hosting.drivers.restic import Restic
from hosting.secrets import SECRETS
from hosting.sim.endpoints import Endpoint
from hosting.sim.providers import SimulatedProviders
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import offer_body
from tests.hosting.regions import keys_env, register, subscribe
from tests.support.sshd import SshServer, running_sshd

HOST = "/api/v1/hosting"
BACKUPS_ALERTS = f"{HOST}/backups/alerts"
KEYS = ("hosting.backup_policy", "hosting.restore_test", "hosting.immutable_copy",
        "hosting.backup_supervision", "hosting.hds_certificate", "hosting.data_location")


def s3(endpoint: Endpoint) -> Any:
    return boto3.client("s3", **endpoint.boto3_kwargs())


def run(client: TestClient, database: Database, auth: TokenFactory, job_id: int) -> dict:
    assert jobs.Worker(database).run_once() == job_id
    return client.get(f"/api/v1/jobs/{job_id}", headers=auth(Role.GCS_OPERATOR)).json()


def make_source(root: Path) -> Path:
    (root / "dossiers" / "2026").mkdir(parents=True)
    for n in range(20):
        (root / "dossiers" / "2026" / f"patient-{n:03}.pdf").write_bytes(os.urandom(8192 + n))
    (root / "base.sqlite").write_bytes(os.urandom(512 * 1024))
    (root / "lisez-moi é.txt").write_text("séjour\n" * 100)
    return root


@pytest.fixture
def backed(
    providers: SimulatedProviders, client: TestClient, auth: TokenFactory,
    make_tenant: TenantFactory, database: Database, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> dict[str, Any]:
    """A two-copy immutable backup tier, provisioned, with a policy on a local source."""
    a, b = providers.s3
    register(client, auth, monkeypatch, "hds-a", "Paris", s3=a)
    register(client, auth, monkeypatch, "hds-b", "Lyon", s3=b)
    tenant = make_tenant()
    offer = offer_body(1, "backup", copies=2, immutable=True, retention_days=7, rpo_hours=24)
    subscription = subscribe(client, database, auth, tenant, offer, size_gb=50)
    source = make_source(tmp_path / "source")
    answer = client.put(f"{HOST}/subscriptions/{subscription['id']}/backup-policy",
                        json={"source_path": str(source)}, headers=auth(Role.GCS_OPERATOR))
    assert answer.status_code == 200, answer.text
    return {"tenant": tenant, "subscription": subscription, "policy": answer.json(),
            "source": source}


def leave_stale_lock(driver: Restic) -> None:
    """Start a restic backup of a stdin that never ends and SIGKILL it once it holds its
    lock: the lock stays (the backup cannot finish first, whatever the machine's speed)."""
    env = {**os.environ, **driver.access.environment()}
    killed = subprocess.Popen(
        ["restic", "--no-cache", "backup", "--stdin", "--stdin-filename", "never-ends.bin"],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not driver.locks() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert killed.stdin is not None
        killed.stdin.close()
    assert len(driver.locks()) == 1


def test_backup_restore_retention_object_lock_and_corruption(
    backed: dict[str, Any], providers: SimulatedProviders, client: TestClient,
    auth: TokenFactory, database: Database, settings: Settings, tmp_path: Path,
) -> None:
    tenant, sub_id = backed["tenant"], backed["subscription"]["id"]
    own = auth(Role.ESTABLISHMENT, tenant)
    policy = backed["policy"]
    assert [(r["copy_index"], r["provider"], r["immutable"]) for r in policy["repositories"]] \
        == [(0, "hds-a", False), (1, "hds-b", True)]
    assert (policy["frequency_hours"], policy["retention_days"], policy["rpo_hours"]) == (24, 7, 24)
    password = SECRETS.path(settings.data_dir, policy["password_ref"])
    assert password.parent == settings.data_dir / "secrets" / "hosting"
    assert password.stat().st_mode & 0o777 == 0o600

    # backup, started by the establishment itself
    started = client.post(f"{HOST}/subscriptions/{sub_id}/backup", headers=own)
    assert started.status_code == 202, started.text
    done = run(client, database, auth, started.json()["job"]["id"])
    assert done["state"] == "succeeded", (done["error"], done["log"])
    assert password.read_text() not in str(done)
    assert all(ep.secret_key not in str(done) for ep in providers.s3)
    lines = client.get(f"{HOST}/backups", headers=own).json()
    assert lines["total"] == 2
    assert {(i["copy_index"], i["rpo_status"]) for i in lines["items"]} == {(0, "ok"), (1, "ok")}
    assert all(i["last_snapshot_id"] for i in lines["items"])

    # restore test of the immutable copy: byte-identical, RTO measured
    tested = client.post(f"{HOST}/subscriptions/{sub_id}/restore-test", headers=own,
                         json={"copy_index": 1})
    assert tested.status_code == 202, tested.text
    done = run(client, database, auth, tested.json()["job"]["id"])
    assert done["state"] == "succeeded", (done["error"], done["log"])
    (test,) = client.get(f"{HOST}/backups/restore-tests", headers=own).json()["items"]
    assert test["state"] == "succeeded" and test["files_checked"] == 22
    assert test["mismatches"] == [] and test["rto_seconds"] > 0
    assert not (settings.data_dir / "scratch" / f"restore-{done['id']}").exists()

    # retention: an old snapshot (same host and path) is forgotten and pruned on both copies
    with database.session(scope=Scope.unrestricted()) as db:
        row = db.scalar(db.query(BackupPolicy).filter_by(subscription_id=sub_id).statement)
        drivers = [copy_access(row, r, settings.data_dir, timeout=120).open()
                   for r in row.repositories]
        host = f"socle-{tenant.finess.lower()}"
    for driver in drivers:
        env = {**os.environ, **driver.access.environment()}
        subprocess.run(["restic", "backup", "--host", host, "--tag", f"subscription-{sub_id}",
                        "--time", "2020-01-01 00:00:00", str(backed["source"])],
                       env=env, check=True, capture_output=True, timeout=120)
    leave_stale_lock(drivers[0])  # a restic killed mid-backup on this host
    pruned = client.post(f"{HOST}/subscriptions/{sub_id}/retention", headers=own)
    done = run(client, database, auth, pruned.json()["job"]["id"])
    assert done["state"] == "succeeded", (done["error"], done["log"])
    assert done["result"]["removed"] == {"0": 1, "1": 1}
    assert any("1 stale removed" in line["message"] for line in done["log"])
    retention_runs = [r for r in client.get(f"{HOST}/backups/runs", headers=own).json()["items"]
                      if r["kind"] == "retention"]
    assert sorted(r["details"]["stale_locks_removed"] for r in retention_runs) == [0, 1]
    assert all(len(d.snapshots()) == 1 for d in drivers)

    # the immutable copy: deleting a locked object version is refused, even after prune
    bucket = next(r for r in backed["subscription"]["resources"] if r["key"] == "bucket-1")
    locked = s3(providers.s3[1])
    versions = locked.list_object_versions(Bucket=bucket["external_id"],
                                           Prefix="restic/data/")["Versions"]
    assert versions
    with pytest.raises(ClientError):
        locked.delete_object(Bucket=bucket["external_id"], Key=versions[0]["Key"],
                             VersionId=versions[0]["VersionId"])

    # a tampered pack in copy 0 fails the restore test loudly
    plain_bucket = next(r for r in backed["subscription"]["resources"]
                        if r["key"] == "bucket-0")["external_id"]
    plain = s3(providers.s3[0])
    packs = plain.list_objects_v2(Bucket=plain_bucket, Prefix="restic/data/")["Contents"]
    biggest = max(packs, key=lambda o: o["Size"])["Key"]
    body = bytearray(plain.get_object(Bucket=plain_bucket, Key=biggest)["Body"].read())
    body[100:200] = bytes(100)
    plain.put_object(Bucket=plain_bucket, Key=biggest, Body=bytes(body))
    tested = client.post(f"{HOST}/subscriptions/{sub_id}/restore-test", headers=own, json={})
    done = run(client, database, auth, tested.json()["job"]["id"])
    assert done["state"] == "failed" and "restore test" in done["error"]
    failed = client.get(f"{HOST}/backups/restore-tests", headers=own).json()["items"][0]
    assert failed["state"] == "failed" and (failed["reason"] == "corrupt" or failed["mismatches"])
    alerts = client.get(f"{HOST}/backups/alerts", headers=own).json()["items"]
    assert [a["kind"] for a in alerts] == ["restore-failed"]

    # evidence the SSI plane reads
    with database.session(scope=Scope.unrestricted()) as db:
        evidence = collect(db, tenant_id=tenant.id, keys=KEYS, now=utcnow())
    assert evidence["hosting.backup_policy"].value is True
    assert evidence["hosting.restore_test"].value is False  # the latest one failed
    assert evidence["hosting.restore_test"].source == f"hosting.restore_test#{failed['id']}"
    assert evidence["hosting.immutable_copy"].value is True
    assert evidence["hosting.backup_supervision"].value is False  # an alert is open
    assert evidence["hosting.hds_certificate"].value is True
    assert evidence["hosting.data_location"].value is True


def test_unreachable_or_busy_copy_is_reported_never_skipped(
    backed: dict[str, Any], client: TestClient, auth: TokenFactory, database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant, sub_id = backed["tenant"], backed["subscription"]["id"]
    own = auth(Role.ESTABLISHMENT, tenant)
    with database.transaction(scope=Scope.unrestricted()) as db:
        copies = {r.copy_index: r for r in db.scalars(db.query(BackupRepository).statement)}
        copies[0].url = "s3:http://127.0.0.1:9/unreachable-bucket/restic"  # provider down
        copies[1].lease_owner = "job:another"  # another Socle job works on it
        copies[1].lease_expires_at = utcnow() + timedelta(hours=1)
    monkeypatch.setattr("hosting.backup.repositories.LEASE_WAIT_SECONDS", 0.2)
    # restic retries a refused connection for ~10 s; a hung provider hits the timeout
    monkeypatch.setattr("hosting.backup.flows.RESTIC_TIMEOUT", 4.0)
    job = client.post(f"{HOST}/subscriptions/{sub_id}/backup", headers=own).json()["job"]
    done = run(client, database, auth, job["id"])
    assert done["state"] == "failed"
    assert "copy 0 (unreachable)" in done["error"] and "copy 1 (locked)" in done["error"]
    runs = client.get(f"{HOST}/backups/runs", headers=own).json()["items"]
    assert sorted((r["state"], r["reason"]) for r in runs) == [
        ("failed", "locked"), ("failed", "unreachable")]
    lines = client.get(f"{HOST}/backups", headers=own).json()["items"]
    assert {i["rpo_status"] for i in lines} == {"late"}
    assert {i["last_run_reason"] for i in lines} == {"unreachable", "locked"}
    alerts = client.get(f"{HOST}/backups/alerts", headers=own).json()
    assert alerts["total"] == 2 and {a["kind"] for a in alerts["items"]} == {"failed"}


def test_unresolvable_secret_fails_its_copy_as_denied(
    backed: dict[str, Any], providers: SimulatedProviders, client: TestClient,
    auth: TokenFactory, database: Database, monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = backed["tenant"]
    own = auth(Role.ESTABLISHMENT, tenant)
    monkeypatch.delenv(keys_env("hds-a"))  # copy 0's provider keys cannot be resolved
    job = client.post(f"{HOST}/subscriptions/{backed['subscription']['id']}/backup",
                      headers=own).json()["job"]
    done = run(client, database, auth, job["id"])
    assert done["state"] == "failed" and "copy 0 (denied)" in done["error"]
    runs = client.get(f"{HOST}/backups/runs", headers=own).json()["items"]
    assert sorted((r["state"], r["reason"]) for r in runs) == [
        ("failed", "denied"), ("succeeded", None)]
    (failed,) = [r for r in runs if r["state"] == "failed"]
    assert keys_env("hds-a") in failed["error"]  # the reference is named, never a value
    assert all(ep.secret_key not in str(done) + str(runs) for ep in providers.s3)
    alerts = client.get(BACKUPS_ALERTS, headers=own).json()["items"]
    assert [a["kind"] for a in alerts] == ["failed"]


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


def test_scheduler_runs_restic_over_ssh_and_raises_late_alerts(
    backed: dict[str, Any], client: TestClient, auth: TokenFactory, database: Database,
    sshd: SshServer, settings: Settings,
) -> None:
    sub_id = backed["subscription"]["id"]
    operator = auth(Role.GCS_OPERATOR)
    key_ref = SECRETS.store_file(settings.data_dir, "establishment-ssh-key",
                                 sshd.client_key.read_text())
    over_ssh = {"kind": "ssh", "host": sshd.host, "port": sshd.port, "user": sshd.user,
                "key_ref": key_ref, "host_key": sshd.host_public_key}
    policy = client.put(f"{HOST}/subscriptions/{sub_id}/backup-policy", headers=operator,
                        json={"source_path": str(backed["source"]), "executor": over_ssh})
    assert policy.status_code == 200, policy.text
    assert "PRIVATE KEY" not in policy.text
    first = client.post(f"{HOST}/backups/schedule", headers=operator)
    assert first.status_code == 200, first.text
    queued = first.json()["queued"]
    assert len(queued[backup_jobs.BACKUP_JOB]) == 1  # never backed up: due now
    assert queued[backup_jobs.RETENTION_JOB] == [] and queued[backup_jobs.RESTORE_TEST_JOB] == []
    assert len(first.json()["late_alerts"]) == 2  # no snapshot yet: both copies late
    again = client.post(f"{HOST}/backups/schedule", headers=operator).json()
    assert again["queued"][backup_jobs.BACKUP_JOB] == [] and again["late_alerts"] == []
    done = run(client, database, auth, queued[backup_jobs.BACKUP_JOB][0])
    assert done["state"] == "succeeded", (done["error"], done["log"])
    assert client.get(f"{HOST}/backups/alerts", headers=operator).json()["total"] == 0
    with database.transaction(scope=Scope.unrestricted()) as db:
        later = backup_jobs.tick(db, now=utcnow() + timedelta(hours=25))
    assert len(later["queued"][backup_jobs.BACKUP_JOB]) == 1
    assert len(later["queued"][backup_jobs.RETENTION_JOB]) == 1
    assert len(later["queued"][backup_jobs.RESTORE_TEST_JOB]) == 1  # never tested yet
    assert len(later["queued"][backup_jobs.CHECK_JOB]) == 1  # never checked yet
    assert later["late_alerts"] and len(later["late_alerts"]) == 2
    with database.transaction(scope=Scope.unrestricted()) as db:
        week = backup_jobs.tick(db, now=utcnow() + timedelta(days=8))
    assert week["queued"] == {kind: [] for kind in later["queued"]}  # all still queued
    with database.transaction(scope=Scope.unrestricted()) as db:  # only the restore test
        for kind in (backup_jobs.BACKUP_JOB, backup_jobs.RETENTION_JOB):
            for job_id in later["queued"][kind]:
                jobs.request_cancel(db, db.get_one(Job, job_id), actor="tests")
    done = run(client, database, auth, later["queued"][backup_jobs.RESTORE_TEST_JOB][0])
    assert done["state"] == "succeeded", (done["error"], done["log"])
    assert done["result"]["files"] == 22  # restored and checked on the SSH host
    checked = run(client, database, auth, later["queued"][backup_jobs.CHECK_JOB][0])
    assert checked["state"] == "succeeded", (checked["error"], checked["log"])
    assert checked["result"] == {"checked": 2, "subset_percent": 5.0}  # restic check over SSH
    lines = client.get(f"{HOST}/backups", headers=operator).json()["items"]
    assert {(i["last_check_state"], i["last_check_percent"]) for i in lines} == {
        ("succeeded", 5.0)}
    assert client.get(f"{HOST}/subscriptions/{sub_id}/backup-policy",
                      headers=operator).status_code == 200


def test_bad_input_other_tenants_and_unknown_evidence(
    backed: dict[str, Any], client: TestClient, auth: TokenFactory,
    make_tenant: TenantFactory, database: Database,
) -> None:
    sub_id = backed["subscription"]["id"]
    operator = auth(Role.GCS_OPERATOR)
    url = f"{HOST}/subscriptions/{sub_id}/backup-policy"
    relative = client.put(url, json={"source_path": "data/"}, headers=operator)
    assert relative.status_code == 422 and "source_path" in relative.text
    bad_ref = client.put(url, headers=operator, json={"source_path": "/srv", "executor": {
        "kind": "ssh", "host": "h", "user": "u", "key_ref": "-----BEGIN KEY",
        "host_key": "ssh-ed25519 AAAA"}})
    assert bad_ref.status_code == 422 and "key_ref" in bad_ref.text
    unknown = client.post(f"{HOST}/subscriptions/{sub_id}/restore-test", headers=operator,
                          json={"snapshot_id": "deadbeef"})
    assert unknown.status_code == 422 and "snapshot_id" in unknown.text
    other = auth(Role.ESTABLISHMENT, make_tenant())
    assert client.post(f"{HOST}/subscriptions/{sub_id}/backup", headers=other).status_code == 404
    assert client.get(url, headers=other).status_code == 404
    assert client.get(f"{HOST}/backups", headers=other).json()["total"] == 0
    assert client.put(url, json={"source_path": "/srv"},
                      headers=auth(Role.ESTABLISHMENT, backed["tenant"])).status_code == 403
    gone = client.put(url, json={"source_path": "/nonexistent/socle-source"}, headers=operator)
    assert gone.status_code == 200
    job = client.post(f"{HOST}/subscriptions/{sub_id}/backup", headers=operator).json()["job"]
    done = run(client, database, auth, job["id"])
    assert done["state"] == "failed" and "copy 0 (failed), copy 1 (failed)" in done["error"]
    assert client.get(f"{BACKUPS_ALERTS}", headers=operator).json()["total"] == 2
    stranger = make_tenant()  # no hosting at all: every key unknown, never a pass
    with database.session(scope=Scope.unrestricted()) as db:
        evidence = collect(db, tenant_id=stranger.id, keys=KEYS, now=utcnow())
    assert all(e.value is None and e.detail for e in evidence.values())
