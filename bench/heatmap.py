"""Regional HN / CaRE heatmap bench: every establishment of a region at once, batched,
against the tracker run one establishment at a time, on the same SQLite database.

``python bench/heatmap.py [--establishments 500] [--days 10]`` (about 2 minutes on 2
cores at the default size, most of it seeding).

Data, in a fresh migrated SQLite file, seeded through the planes' own service functions
(tenants, network sites and circuits, hosting providers, a backup offer, requests,
backup policies and their copies, PRA, SSI declarations); what a real peer would leave
(the subscription and its bucket after provisioning, SLA day rows from the poller,
backup runs, restore tests, PRA exercises and alerts from restic and EC2 jobs) is written
as those jobs write it, with a fixed seed: ``--establishments`` establishments with a
site and a circuit measured ``--days`` days of the last complete month; four in five with
a backup subscription (copy, three runs, a restore test, some failing), two in three of
those with a PRA (some exercised), some with an open alert; one in two declared a few
HN items.

Timed, each in a fresh session, twice in the order anchor, batched, batched, anchor:

* anchor: the per-establishment path, :func:`ssi.tracker.service.track` for each establishment
  (every collector's queries for each one), made into heatmap rows;
* Socle: :func:`ssi.tracker.regional.rows`, the heatmap's batched path
  (:func:`ssi.tracker.service.track_many`: each collector once for all, declarations at once).

Both must give the same rows or the bench fails. The last line is ``bench heatmap: ...
ratio=batched_s/anchor_s`` (below 1: the batched heatmap is cheaper).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SEED = 20261128
NOW = datetime(2026, 12, 15, 12, tzinfo=UTC)  # the heatmap's date: November is complete
ACTOR = "bench"
DEPARTMENTS = ("01", "07", "26", "38", "42", "69", "73", "74")
DECLARED = {"P1.1": "oui", "P1.2": 95, "P2.1": "oui", "P3.1": "non"}


def _hosting_catalogue(db: Any) -> str:
    """Two HDS providers (primary and PRA secondary) and a backup offer; the offer code."""
    from hosting.catalogue import service as catalogue
    from hosting.catalogue.schemas import OfferCreate
    from hosting.providers import service as provider_service
    from hosting.providers.schemas import ProviderCreate

    for n in (1, 2):
        provider_service.create_provider(db, ProviderCreate(
            name=f"hds-{n}", certificate_activities=[1, 2, 3, 4, 5, 6],
            certification_body="AFNOR", certificate_expires_on=date(2030, 1, 1), country="FR",
            location=f"site-{n}", s3_endpoint="http://127.0.0.1:9",
            ec2_endpoint="http://127.0.0.1:9",
            credential_ref="env:SOCLE_SECRET_HOSTING_BENCH_UNSET",
            capacity_gb=10_000_000), actor=ACTOR)
    catalogue.create_offer(db, OfferCreate(
        code="sauvegarde", name="Sauvegarde", kind="backup", monthly_price_cents=1000,
        parameters={"size_gb": {"min": 10, "max": 1000, "default": 100, "unit": "GB",
                                "unit_price_cents": 2}},
        backup_frequency="daily", retention_days=30, rpo_hours=48, immutable=True),
        actor=ACTOR)
    return "sauvegarde"


def _day_rows(db: Any, circuit: Any, days: list[date], rng: np.random.Generator) -> None:
    """``days`` of measurements of ``circuit`` as the poller stores them (a few down
    minutes a day, every minute measured)."""
    from network.sla.codec import DayArrays
    from network.sla.models import CircuitDay

    for day in days:
        arrays = DayArrays.blank()
        arrays.unknown[:] = False
        arrays.up[:] = rng.random(arrays.up.shape) >= 0.001
        arrays.rtt_ms[:] = 8 + 4 * rng.random(arrays.rtt_ms.shape)
        db.add(CircuitDay(circuit_id=circuit.id, day=day, tenant_id=circuit.tenant_id,
                          **arrays.pack()))


def _backups(db: Any, tenant: Any, offer: str, i: int, rng: random.Random) -> None:
    """A backup subscription as provisioning leaves it, its policy (and PRA), and the runs,
    restore test, exercise and alert jobs leave."""
    from sqlalchemy import select

    from controlplane.auth import system_principal
    from hosting.backup import policies
    from hosting.backup.models import BackupAlert, BackupRun, RestoreTest
    from hosting.backup.schemas import PolicySet
    from hosting.dr import service as dr
    from hosting.dr.models import DrExercise
    from hosting.dr.schemas import DrPlanCreate
    from hosting.providers.models import HostingProvider
    from hosting.subscriptions import service as lifecycle
    from hosting.subscriptions.models import Resource, Subscription
    from hosting.subscriptions.schemas import RequestCreate

    request = lifecycle.create_request(db, RequestCreate(offer=offer, tenant=tenant.finess,
                                                         parameters={"size_gb": 100}),
                                       caller=system_principal(ACTOR), today=NOW.date())
    subscription = Subscription(tenant_id=tenant.id, request_id=request.id,
                                offer_id=request.offer_id, parameters=request.parameters,
                                monthly_cost_cents=request.monthly_cost_cents, state="active")
    db.add(subscription)
    db.flush()
    primary = db.scalars(select(HostingProvider).where(HostingProvider.name == "hds-1")).one()
    db.add(Resource(tenant_id=tenant.id, subscription_id=subscription.id, key="bucket-0",
                    kind="bucket", provider_id=primary.id, external_id=f"socle-{tenant.finess}",
                    details={"bucket": f"socle-{tenant.finess}", "object_lock": True,
                             "retention_days": 30}))
    db.flush()
    db.refresh(subscription)
    policy = policies.configure(db, subscription, PolicySet(source_path="/srv/dossiers"),
                                actor=ACTOR)
    (copy,) = policy.repositories
    runs = []
    for back in (3, 2, 1):
        finished = NOW - timedelta(days=back + rng.random() * 3)
        run = BackupRun(tenant_id=tenant.id, repository_id=copy.id, kind="backup",
                        state="failed" if rng.random() < 0.1 else "succeeded",
                        snapshot_id=f"{i:04x}{back:04x}", files=10, bytes=4096,
                        checksums={}, started_at=finished - timedelta(minutes=5),
                        finished_at=finished)
        db.add(run)
        runs.append(run)
    db.flush()
    ok = rng.random() >= 0.15
    db.add(RestoreTest(tenant_id=tenant.id, repository_id=copy.id, run_id=runs[-1].id,
                       snapshot_id=runs[-1].snapshot_id, state="succeeded" if ok else "failed",
                       files_checked=10 if ok else 0, rto_seconds=3.5,
                       reason=None if ok else "mismatch", mismatches=[] if ok else ["a.txt"],
                       started_at=NOW - timedelta(days=1, seconds=5),
                       finished_at=NOW - timedelta(days=1)))
    if i % 9 == 0:
        db.add(BackupAlert(tenant_id=tenant.id, repository_id=copy.id, kind="late",
                           message="copy 0 late", raised_at=NOW - timedelta(hours=6)))
    if i % 3:
        plan = dr.create_plan(db, DrPlanCreate(subscription_id=subscription.id, rto_minutes=60,
                                               rpo_minutes=1440, instance_type="t3.small",
                                               image_id="ami-03cf127a"),
                              actor=ACTOR, today=NOW.date())
        if i % 2:
            db.add(DrExercise(tenant_id=tenant.id, plan_id=plan.id, state="succeeded",
                              started_at=NOW - timedelta(days=20, minutes=9),
                              finished_at=NOW - timedelta(days=20),
                              achieved_rto_seconds=540.0, achieved_rpo_seconds=7200.0,
                              rto_met=True, rpo_met=i % 5 != 0, requested_by=ACTOR))


def seed(database: Any, establishments: int, days: int) -> None:
    """The region (see the module's docstring)."""
    import network
    from controlplane import tenants
    from controlplane.db import Scope
    from controlplane.finess import make_finess
    from controlplane.models import Tenant
    from controlplane.schemas import TenantCreate, TenantKind
    from network.evidence import last_complete_month
    from network.inventory.schemas import CircuitCreate, ProviderCreate, SiteCreate
    from ssi.tracker import service as tracker
    from ssi.tracker.schemas import DeclarationWrite

    rng = random.Random(SEED)
    arrays_rng = np.random.default_rng(SEED)
    measured = last_complete_month(NOW).days[:days]
    with database.transaction(scope=Scope.unrestricted()) as db:
        network.create_provider(db, ProviderCreate(name="operateur-mpls", kind="MPLS",
                                                   contract_ref="CTR-1"), actor=ACTOR)
        offer = _hosting_catalogue(db)
    for i in range(establishments):
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        with database.transaction(scope=Scope.unrestricted()) as db:
            created = tenants.create(db, TenantCreate(
                finess=make_finess(department, 1000 + i), name=f"Établissement {i}",
                kind=TenantKind.ES), actor=ACTOR)
            tenant = db.get_one(Tenant, created.id)
            site = network.create_site(db, SiteCreate(
                tenant=tenant.finess, code=f"S-{i}", name=f"Site {i}",
                address=f"{i} rue de la Santé", access="MPLS"), actor=ACTOR)
            circuit = network.create_circuit(db, CircuitCreate(
                ref=f"CIR-{i:05d}", provider="operateur-mpls", site=site.code,
                bandwidth_mbps=100, committed_mbps=20), actor=ACTOR)
            _day_rows(db, circuit, measured, arrays_rng)
            if i % 5 != 4:
                _backups(db, tenant, offer, i, rng)
            if i % 2 == 0:
                for item, value in list(DECLARED.items())[: 1 + i % len(DECLARED)]:
                    tracker.declare(db, tenant, "hn-prerequis", item,
                                    DeclarationWrite(value=value), actor=ACTOR)


@contextmanager
def counted(*engines: Any) -> Iterator[list[str]]:
    """The statements run on ``engines`` inside the block."""
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    for engine in set(engines):
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in set(engines):
            event.remove(engine, "before_cursor_execute", record)


def timed(database: Any, heatmap: Callable[[Any, list[Any]], list[Any]]) -> tuple[float, int,
                                                                                 list[Any]]:
    """(seconds, queries, rows) of one heatmap of every establishment, in a fresh session."""
    from controlplane.db import Scope
    from ssi.tracker import regional

    with counted(database.engine, database.read_engine) as statements, \
            database.session(scope=Scope.unrestricted(), write=False) as db:
        started = time.perf_counter()
        tenants = list(db.scalars(regional.tenant_query()))
        rows = heatmap(db, tenants)
        elapsed = time.perf_counter() - started
    return elapsed, len(statements), rows


def anchor(db: Any, tenants: list[Any]) -> list[Any]:
    """The heatmap one establishment at a time (the tracker's per-tenant path)."""
    from ssi.tracker import regional
    from ssi.tracker import service as tracker

    return [regional.row(tenant, tracker.track(db, tenant, now=NOW)) for tenant in tenants]


def batched(db: Any, tenants: list[Any]) -> list[Any]:
    """The heatmap as the API computes it."""
    from ssi.tracker import regional

    return regional.rows(db, tenants, now=NOW)


def main() -> int:
    """Run the bench; the last line is the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--establishments", type=int, default=500)
    parser.add_argument("--days", type=int, default=10, help="measured days per circuit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="socle-bench-heatmap-") as work:
        url = f"sqlite:///{Path(work) / 'heatmap.db'}"
        os.environ.update(SOCLE_DATABASE_URL=url, SOCLE_DATA_DIR=str(Path(work) / "data"),
                          SOCLE_EMBEDDED_WORKER="false", SOCLE_SCHEDULER_ENABLED="false")
        from controlplane.db import Database
        from controlplane.db.migrate import upgrade
        from controlplane.settings import get_settings

        get_settings.cache_clear()
        upgrade(url)
        database = Database(url)
        started = time.perf_counter()
        seed(database, args.establishments, args.days)
        seed_s = time.perf_counter() - started
        print(f"data: {args.establishments} establishments seeded in {seed_s:.1f} s "
              f"(circuit measured {args.days} days each, backups, PRA, declarations)")
        totals = {"anchor": [0.0, 0], "batched": [0.0, 0]}
        results: dict[str, list[Any]] = {}
        for name in ("anchor", "batched", "batched", "anchor"):
            seconds, queries, rows = timed(database, anchor if name == "anchor" else batched)
            totals[name][0] += seconds
            totals[name][1] = queries
            results[name] = rows
        database.dispose()
    if results["anchor"] != results["batched"]:
        print("bench heatmap: FAILED: the batched heatmap differs from the per-establishment "
              "one", file=sys.stderr)
        return 1
    rows = results["batched"]
    cells = sum(len(row.cells) for row in rows)
    met = sum(cell.value == "met" for row in rows for cell in row.cells)
    anchor_s, anchor_q = totals["anchor"]
    batched_s, batched_q = totals["batched"]
    print(f"heatmap: {len(rows)} rows × {len(rows[0].cells)} items, {met} of {cells} cells "
          "met; same rows both ways")
    print(f"anchor (tracker.track per establishment): {anchor_s / 2:.2f} s, {anchor_q} queries "
          "per heatmap")
    print(f"socle (regional.rows, batched): {batched_s / 2:.2f} s, {batched_q} queries per "
          "heatmap")
    print(f"bench heatmap: establishments={len(rows)} batched_s={batched_s / 2:.3f} "
          f"anchor_s={anchor_s / 2:.3f} batched_queries={batched_q} anchor_queries={anchor_q} "
          f"ratio={batched_s / anchor_s:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
