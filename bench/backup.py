"""Backup bench: back up and restore-test a generated dataset through Socle, and the same
work with raw restic commands, to the same SeaweedFS S3 server, in the same run.

``python bench/backup.py [--mb 128] [--files 1000]`` (about 3 minutes on 2 cores at the
default size; ``--mb 1024`` for the 1 GB run, ~8 times longer).

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

Each side runs twice, in the order anchor, Socle, Socle, anchor (fresh repositories each
time), so neither profits from running second (page cache, a warmer server). Figures are
totals over both rounds. The last line is ``bench backup: ... ratio=socle_s/anchor_s``
(target <= 1.05).
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

    work.mkdir(parents=True, exist_ok=True)
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


class SocleSide:
    """Socle in this process: a SQLite database, one provider on the simulated S3 server,
    a backup tier, and one provisioned subscription (own bucket) per round."""

    def __init__(self, source: Path, providers, work: Path, rounds: int) -> None:
        ep = providers.s3[0]
        os.environ.update({
            "SOCLE_DATABASE_URL": f"sqlite:///{work / 'socle.db'}",
            "SOCLE_DATA_DIR": str(work / "data"),
            "SOCLE_EMBEDDED_WORKER": "false",
            "SOCLE_SECRET_HOSTING_BENCH_S3_KEYS": f"{ep.access_key}:{ep.secret_key}",
        })
        from controlplane import jobs, plugins, tenants
        from controlplane.auth import system_principal
        from controlplane.db import Scope, get_database
        from controlplane.db.migrate import upgrade
        from controlplane.finess import make_finess
        from controlplane.schemas import TenantCreate, TenantKind
        from controlplane.settings import get_settings
        from hosting.backup import policies
        from hosting.backup.schemas import PolicySet
        from hosting.catalogue import service as catalogue
        from hosting.catalogue.schemas import OfferCreate
        from hosting.providers import service as provider_service
        from hosting.providers.schemas import ProviderCreate
        from hosting.subscriptions import service as lifecycle
        from hosting.subscriptions.models import HostingRequest, Subscription
        from hosting.subscriptions.schemas import RequestCreate

        settings = get_settings()
        upgrade(settings.database_url)
        plugins.load(settings)
        self.database = database = get_database(settings.database_url)
        self.worker = jobs.Worker(database)
        self.scope = Scope.unrestricted
        actor, finess = "bench", make_finess(FINESS_DEPT, FINESS_SERIAL)
        with database.transaction(scope=Scope.unrestricted()) as db:
            tenants.create(db, TenantCreate(finess=finess, name="Bench", kind=TenantKind.ES),
                           actor=actor)
            provider_service.create_provider(db, ProviderCreate(
                name="hds-bench", certificate_activities=[1, 2, 3, 4, 5, 6],
                certification_body="AFNOR", certificate_expires_on=date(2030, 1, 1),
                country="FR", location="Lyon", s3_endpoint=ep.url, s3_region=ep.region,
                credential_ref="env:SOCLE_SECRET_HOSTING_BENCH_S3_KEYS", capacity_gb=100_000),
                actor=actor)
            catalogue.create_offer(db, OfferCreate(
                code="backup-bench", name="Backup bench", kind="backup", monthly_price_cents=0,
                parameters={"size_gb": {"min": 1, "max": 1000, "default": 10,
                                        "unit_price_cents": 0}},
                backup_frequency="daily", retention_days=30, rpo_hours=24, copies=1),
                actor=actor)
        self.subscriptions = []
        for _ in range(rounds):
            with database.transaction(scope=Scope.unrestricted()) as db:
                request_id = lifecycle.create_request(
                    db, RequestCreate(offer="backup-bench", tenant=finess, parameters={}),
                    caller=system_principal(actor)).id
            with database.transaction(scope=Scope.unrestricted()) as db:
                lifecycle.approve(db, db.get_one(HostingRequest, request_id), actor=actor)
            self.worker.run_once()
            with database.transaction(scope=Scope.unrestricted()) as db:
                subscription = db.query(Subscription).filter_by(request_id=request_id).one()
                policies.configure(db, subscription, PolicySet(source_path=str(source)),
                                   actor=actor)
                self.subscriptions.append(subscription.id)

    def _timed(self, start) -> float:
        from controlplane.models import Job

        with self.database.transaction(scope=self.scope()) as db:
            job_id = start(db).id
        began = time.perf_counter()
        assert self.worker.run_once() == job_id
        elapsed = time.perf_counter() - began
        with self.database.session(scope=self.scope()) as db:
            job = db.get_one(Job, job_id)
            if job.state != "succeeded":
                raise SystemExit(f"Socle job {job.kind} {job.state}: {job.error}")
        return elapsed

    def run(self, round_: int) -> tuple[float, float, float]:
        """(backup seconds, restore-test seconds, recorded RTO) of one round."""
        from hosting.backup import service
        from hosting.backup.models import RestoreTest
        from hosting.backup.schemas import RestoreTestStart

        sub = self.subscriptions[round_]
        backup_s = self._timed(lambda db: service.start_backup(db, sub, actor="bench"))
        restore_s = self._timed(lambda db: service.start_restore_test(
            db, sub, RestoreTestStart(), actor="bench"))
        with self.database.session(scope=self.scope()) as db:
            rto = db.query(RestoreTest).order_by(RestoreTest.id.desc()).first().rto_seconds
        return backup_s, restore_s, float(rto)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=128, help="dataset size in MiB")
    parser.add_argument("--files", type=int, default=1000, help="number of files")
    args = parser.parse_args()
    from hosting.sim.providers import SimulatedProviders

    with tempfile.TemporaryDirectory(prefix="socle-bench-backup-") as tmp:
        work = Path(tmp)
        source = work / "source"
        written = generate(source, args.mb, args.files)
        mib = written / 1024 / 1024
        print(f"dataset: {args.files} files, {mib:.0f} MiB under {source}", flush=True)
        with SimulatedProviders(work / "providers") as providers:
            ep = providers.s3[0]
            s3env = {**{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
                     "RESTIC_PASSWORD": "bench-anchor-password",
                     "AWS_ACCESS_KEY_ID": ep.access_key, "AWS_SECRET_ACCESS_KEY": ep.secret_key}
            import boto3
            s3 = boto3.client("s3", **ep.boto3_kwargs())
            side = SocleSide(source, providers, work, rounds=2)
            totals = {"anchor": [0.0, 0.0], "socle": [0.0, 0.0]}
            # A B B A: each side once first and once second, fresh repositories each time
            for round_, who in enumerate(("anchor", "socle", "socle", "anchor")):
                if who == "anchor":
                    bucket = f"bench-anchor-{round_}"
                    s3.create_bucket(Bucket=bucket)
                    backup_s, restore_s = anchor(source, f"s3:{ep.url}/{bucket}/restic", s3env,
                                                 work / f"anchor-{round_}")
                    extra = ""
                else:
                    backup_s, restore_s, rto = side.run(round_ - 1)
                    extra = f" (recorded RTO {rto:.2f} s)"
                totals[who][0] += backup_s
                totals[who][1] += restore_s
                print(f"{who}: backup {backup_s:.2f} s, restore+verify {restore_s:.2f} s{extra}",
                      flush=True)
    (s_backup, s_restore), (a_backup, a_restore) = totals["socle"], totals["anchor"]
    done = 2 * mib  # two rounds each
    socle_s, anchor_s = s_backup + s_restore, a_backup + a_restore
    print(f"bench backup: mib={mib:.0f} files={args.files} rounds=2 "
          f"socle_backup_mib_s={done / s_backup:.1f} socle_restore_mib_s={done / s_restore:.1f} "
          f"anchor_backup_mib_s={done / a_backup:.1f} "
          f"anchor_restore_mib_s={done / a_restore:.1f} "
          f"socle_s={socle_s:.2f} anchor_s={anchor_s:.2f} ratio={socle_s / anchor_s:.3f}")


if __name__ == "__main__":
    main()
