"""Backup bench: back up and restore-test a generated dataset through Socle, and the same
work with raw restic commands, to the same SeaweedFS S3 server, in the same run.

``python bench/backup.py [--mb 256] [--files 2000]`` (about 2-3 minutes on 2 cores at the
default size; ``--mb 1024`` for the 1 GB run, ~4 times longer).

Data: ``--files`` files of random (incompressible) bytes totalling ``--mb`` MiB in a tree of
directories, generated with a fixed seed; one simulated provider (a SeaweedFS server).

Socle, timed from enqueue to job end, each job run by a worker as in production:
``hosting.backup`` (SHA-256 of every file, ``restic init`` on first use, stale-lock
check, ``restic backup --json``, runs recorded) then ``hosting.restore-test`` (restore
without restic's cache, SHA-256 of every restored file compared with those recorded at
backup time, result recorded). The subscription and its bucket are provisioned by the
real provisioning job first (not timed).

Anchor, same run, same data, the same guarantees by hand in another bucket of the same
server: ``find | sha256sum`` manifest, ``restic init``, ``restic backup``; then ``restic
--no-cache restore`` and ``sha256sum -c`` of the manifest in the restored tree.

The last line is ``bench backup: ... ratio=socle_s/anchor_s`` (target <= 1.05).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SEED = 20261128
FINESS_DEPT, FINESS_SERIAL = "69", 424242


def generate(root: Path, total_mb: int, files: int) -> int:
    """``files`` random files totalling ``total_mb`` MiB under ``root``; bytes written."""
    rng = random.Random(SEED)
    total = total_mb * 1024 * 1024
    weights = [rng.random() + 0.05 for _ in range(files)]
    scale = total / sum(weights)
    written = 0
    for n, weight in enumerate(weights):
        folder = root / f"service-{n % 7}" / f"annee-{2018 + n % 8}"
        folder.mkdir(parents=True, exist_ok=True)
        size = max(1, int(weight * scale))
        (folder / f"document-{n:05d}.bin").write_bytes(rng.randbytes(size))
        written += size
    return written


def anchor(source: Path, url: str, env: dict[str, str], work: Path) -> tuple[float, float]:
    """(backup seconds, restore-and-verify seconds) with raw commands."""
    def sh(command: str, cwd: Path) -> None:
        subprocess.run(["sh", "-c", command], cwd=cwd, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    manifest = work / "manifest.sha256"
    target = work / "anchor-restore"
    env = {**env, "RESTIC_REPOSITORY": url, "RESTIC_CACHE_DIR": str(work / "anchor-cache")}
    started = time.perf_counter()
    sh(f"find . -type f -exec sha256sum -- {{}} + > {manifest}", source)
    sh("restic init", work)
    sh(f"restic backup --json {source} > {work / 'anchor-backup.json'}", work)
    backup_s = time.perf_counter() - started
    started = time.perf_counter()
    sh(f"restic --no-cache restore latest --target {target}", work)
    sh(f"sha256sum --quiet -c {manifest}", target / str(source).lstrip("/"))
    shutil.rmtree(target)
    restore_s = time.perf_counter() - started
    return backup_s, restore_s


def socle(source: Path, providers, work: Path) -> tuple[float, float, str]:
    """(backup seconds, restore-test seconds, RTO recorded) through Socle's jobs."""
    ep = providers.s3[0]
    os.environ.update({
        "SOCLE_DATABASE_URL": f"sqlite:///{work / 'socle.db'}",
        "SOCLE_DATA_DIR": str(work / "data"),
        "SOCLE_EMBEDDED_WORKER": "false",
        "SOCLE_BENCH_S3_KEYS": f"{ep.access_key}:{ep.secret_key}",
    })
    from controlplane import jobs, plugins, tenants
    from controlplane.auth import system_principal
    from controlplane.db import Scope, get_database
    from controlplane.db.migrate import upgrade
    from controlplane.finess import make_finess
    from controlplane.models import Job
    from controlplane.schemas import TenantCreate, TenantKind
    from controlplane.settings import get_settings
    from hosting import catalogue, lifecycle
    from hosting.backup import policies, service
    from hosting.backup.models import RestoreTest
    from hosting.backup.schemas import PolicySet, RestoreTestStart
    from hosting.models import HostingRequest, Subscription
    from hosting.schemas import OfferCreate, ProviderCreate, RequestCreate

    settings = get_settings()
    upgrade(settings.database_url)
    plugins.load(settings)
    database = get_database(settings.database_url)
    worker = jobs.Worker(database)
    actor = "bench"
    finess = make_finess(FINESS_DEPT, FINESS_SERIAL)

    with database.transaction(scope=Scope.unrestricted()) as db:
        tenants.create(db, TenantCreate(finess=finess, name="Bench", kind=TenantKind.ES),
                       actor=actor)
        catalogue.create_provider(db, ProviderCreate(
            name="hds-bench", certificate_activities=[1, 2, 3, 4, 5, 6],
            certification_body="AFNOR", certificate_expires_on=date(2030, 1, 1), country="FR",
            location="Lyon", s3_endpoint=ep.url, s3_region=ep.region,
            credential_ref="env:SOCLE_BENCH_S3_KEYS", capacity_gb=100_000), actor=actor)
        catalogue.create_offer(db, OfferCreate(
            code="backup-bench", name="Backup bench", kind="backup", monthly_price_cents=0,
            parameters={"size_gb": {"min": 1, "max": 1000, "default": 10,
                                    "unit_price_cents": 0}},
            backup_frequency="daily", retention_days=30, rpo_hours=24, copies=1), actor=actor)
        request = lifecycle.create_request(
            db, RequestCreate(offer="backup-bench", tenant=finess, parameters={}),
            caller=system_principal(actor))
        request_id = request.id
    with database.transaction(scope=Scope.unrestricted()) as db:
        lifecycle.approve(db, db.get_one(HostingRequest, request_id), actor=actor)
    worker.run_once()
    with database.transaction(scope=Scope.unrestricted()) as db:
        subscription = db.query(Subscription).filter_by(request_id=request_id).one()
        policies.configure(db, subscription, PolicySet(source_path=str(source)), actor=actor)
        subscription_id = subscription.id

    def timed(start) -> float:
        with database.transaction(scope=Scope.unrestricted()) as db:
            job_id = start(db).id
        began = time.perf_counter()
        assert worker.run_once() == job_id
        elapsed = time.perf_counter() - began
        with database.session(scope=Scope.unrestricted()) as db:
            job = db.get_one(Job, job_id)
            if job.state != "succeeded":
                raise SystemExit(f"Socle job {job.kind} {job.state}: {job.error}")
        return elapsed

    backup_s = timed(lambda db: service.start_backup(db, subscription_id, actor=actor))
    restore_s = timed(lambda db: service.start_restore_test(
        db, subscription_id, RestoreTestStart(), actor=actor))
    with database.session(scope=Scope.unrestricted()) as db:
        test = db.query(RestoreTest).order_by(RestoreTest.id.desc()).first()
        rto = f"{test.rto_seconds:.2f}"
    return backup_s, restore_s, rto


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=256, help="dataset size in MiB")
    parser.add_argument("--files", type=int, default=2000, help="number of files")
    args = parser.parse_args()
    from hosting.sim.providers import SimulatedProviders

    with tempfile.TemporaryDirectory(prefix="socle-bench-backup-") as tmp:
        work = Path(tmp)
        source = work / "source"
        written = generate(source, args.mb, args.files)
        mib = written / 1024 / 1024
        print(f"dataset: {args.files} files, {mib:.0f} MiB under {source}")
        with SimulatedProviders(work / "providers") as providers:
            ep = providers.s3[0]
            s3env = {**{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
                     "RESTIC_PASSWORD": "bench-anchor-password",
                     "AWS_ACCESS_KEY_ID": ep.access_key, "AWS_SECRET_ACCESS_KEY": ep.secret_key}
            import boto3
            boto3.client("s3", **ep.boto3_kwargs()).create_bucket(Bucket="bench-anchor")
            a_backup, a_restore = anchor(source, f"s3:{ep.url}/bench-anchor/restic", s3env,
                                         work)
            print(f"anchor (raw restic + sha256sum): backup {a_backup:.2f} s, "
                  f"restore+verify {a_restore:.2f} s")
            s_backup, s_restore, rto = socle(source, providers, work)
            print(f"socle (jobs): backup {s_backup:.2f} s, restore test {s_restore:.2f} s "
                  f"(recorded RTO {rto} s)")
    socle_s, anchor_s = s_backup + s_restore, a_backup + a_restore
    print(f"bench backup: mib={mib:.0f} files={args.files} "
          f"socle_backup_mib_s={mib / s_backup:.1f} socle_restore_mib_s={mib / s_restore:.1f} "
          f"anchor_backup_mib_s={mib / a_backup:.1f} anchor_restore_mib_s={mib / a_restore:.1f} "
          f"socle_s={socle_s:.2f} anchor_s={anchor_s:.2f} ratio={socle_s / anchor_s:.3f}")


if __name__ == "__main__":
    main()
