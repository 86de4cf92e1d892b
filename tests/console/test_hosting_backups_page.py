"""The backups page over HTTP: each copy against its RPO and its last integrity check,
open alerts, restore-test results; an establishment sees only its own copies and may
start its own jobs.

Copies are configured through the backup service (``policies.configure``) on
subscriptions of a backup tier (RPO 24 h) whose bucket rows stand for provisioned
ones; the runs, restore tests and checks are rows as the backup jobs leave them (the jobs
themselves run against restic and SeaweedFS in tests/hosting/test_backups.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from controlplane.db import Database, Scope, utcnow
from controlplane.models import Job, Tenant
from hosting.backup import policies
from hosting.backup.models import BackupAlert, BackupCheck, BackupRun, RestoreTest
from hosting.backup.schemas import PolicySet
from hosting.subscriptions.models import Resource, Subscription
from tests.conftest import TenantFactory, TokenFactory
from tests.console.support import signed_in
from tests.hosting.factories import HostingFactory

SNAPSHOT = "4f3c2a1b9e8d7c6b"


def _backed_up(database: Database, hosting: HostingFactory, tenant: Tenant, *,
               good_hours_ago: float | None) -> int:
    """A configured backup subscription of ``tenant`` (one copy); its last good run
    ``good_hours_ago`` (none when None, with a late alert). Its id."""
    offer = hosting.offer("backup")
    provider = hosting.provider()
    request = hosting.request(tenant, offer)
    with database.transaction(scope=Scope.unrestricted()) as db:
        subscription = Subscription(tenant_id=tenant.id, request_id=request.id,
                                    offer_id=offer.id, parameters=request.parameters,
                                    monthly_cost_cents=request.monthly_cost_cents,
                                    state="active")
        db.add(subscription)
        db.flush()
        db.add(Resource(tenant_id=tenant.id, subscription_id=subscription.id, key="bucket-0",
                        kind="bucket", provider_id=provider.id,
                        external_id=f"socle-{subscription.id}-c0"))
        db.flush()
        db.refresh(subscription)
        policy = policies.configure(db, subscription, PolicySet(source_path="/srv/dossiers"),
                                    actor="tests")
        copy = policy.repositories[0]
        if good_hours_ago is None:
            db.add(BackupAlert(tenant_id=tenant.id, repository_id=copy.id, kind="late",
                               message="aucune sauvegarde réussie"))
            return subscription.id
        done = utcnow() - timedelta(hours=good_hours_ago)
        run = BackupRun(tenant_id=tenant.id, repository_id=copy.id, state="succeeded",
                        snapshot_id=SNAPSHOT, files=3, bytes=1024, started_at=done,
                        finished_at=done)
        db.add(run)
        db.flush()
        db.add(RestoreTest(tenant_id=tenant.id, repository_id=copy.id, run_id=run.id,
                           snapshot_id=SNAPSHOT, state="succeeded", files_checked=3,
                           rto_seconds=12.5, started_at=done, finished_at=done))
        db.add(BackupCheck(tenant_id=tenant.id, repository_id=copy.id, subset_percent=2.5,
                           state="failed", reason="corrupt", damaged_packs=["ab" * 32],
                           started_at=done, finished_at=done))
        return subscription.id


@pytest.fixture
def copies(database: Database, make_tenant: TenantFactory,
           settings: object) -> dict[str, tuple[Tenant, int]]:
    hosting = HostingFactory(database)
    fresh, stale = make_tenant(name="CH Frais"), make_tenant(name="CH Ancien")
    return {"fresh": (fresh, _backed_up(database, hosting, fresh, good_hours_ago=2)),
            "stale": (stale, _backed_up(database, hosting, stale, good_hours_ago=None))}


def test_operator_sees_every_copy_against_its_rpo(
    client: TestClient, auth: TokenFactory, copies: dict[str, tuple[Tenant, int]]
) -> None:
    signed_in(client, auth, "gcs-operator")
    html = client.get("/console/hosting/backups").text
    assert '<span class="badge badge-breach">1 hors RPO</span>' in html
    assert "Dans le RPO" in html and "RPO dépassé" in html
    assert f"<code>{SNAPSHOT[:8]}</code>" in html
    assert "2,0 h / 24 h" in html
    assert "aucune sauvegarde réussie" in html  # the open alert
    assert "12,5 s" in html  # the restore test's measured RTO
    assert "(corrompu)" in html and "2,5 % des données lues" in html  # the last check
    assert "jamais</td>" in html  # the copy never checked


def test_establishment_sees_its_copies_and_starts_its_own_jobs(
    client: TestClient, auth: TokenFactory, copies: dict[str, tuple[Tenant, int]],
    database: Database,
) -> None:
    tenant, subscription_id = copies["fresh"]
    _, other_subscription = copies["stale"]
    console = signed_in(client, auth, "establishment", tenant)
    html = client.get("/console/hosting/backups").text
    assert tenant.finess in html and copies["stale"][0].finess not in html
    assert "toutes dans le RPO" in html and "aucune sauvegarde réussie" not in html

    page = "/console/hosting/backups"
    started = console.post_form(page, f"/console/hosting/subscriptions/{subscription_id}"
                                "/restore-test", {})
    assert started.status_code == 303
    job_id = int(started.headers["location"].rsplit("/", 1)[1])
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert db.get_one(Job, job_id).kind.startswith("hosting.")
    refused = console.post_form(page, f"/console/hosting/subscriptions/{other_subscription}"
                                "/backup", {})
    assert refused.status_code == 404


def test_restore_test_without_any_good_backup_is_explained(
    client: TestClient, auth: TokenFactory, copies: dict[str, tuple[Tenant, int]]
) -> None:
    tenant, subscription_id = copies["stale"]
    console = signed_in(client, auth, "establishment", tenant)
    answer = console.post_form("/console/hosting/backups",
                               f"/console/hosting/subscriptions/{subscription_id}"
                               "/restore-test", {})
    assert answer.status_code == 422 and "aucune sauvegarde réussie" in answer.text
