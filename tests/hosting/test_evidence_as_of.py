"""Hosting evidence judged *as of* a date: only facts at or before it count.

The subscription, its policy and PRA are made by the plane's own functions (request,
``policies.configure``, ``dr.create_plan``); the facts a real restic or EC2 run would
leave (a backup run, a restore test, a PRA exercise, an alert) are written as those jobs
write them, with chosen dates, since no restic run is what is tested here. Then every
hosting collector, and the SSI tracker's ``?at=``, are asked before, between and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.evidence import Evidence, collect
from controlplane.models import Tenant
from hosting.backup import policies
from hosting.backup.models import BackupAlert, BackupCheck, BackupRun, RestoreTest
from hosting.backup.schemas import PolicySet
from hosting.dr import service as dr
from hosting.dr.models import DrExercise
from hosting.dr.schemas import DrPlanCreate
from hosting.evidence import COLLECTORS
from hosting.providers.models import HostingProvider
from hosting.subscriptions.models import Resource, Subscription
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import ACTOR, HostingFactory

T = datetime(2026, 6, 1, 12, tzinfo=UTC)  # when the restore test and the exercise finished
SET_UP = T - timedelta(days=30)  # subscription, bucket, policy and PRA made then
POLICY_EDITED = T + timedelta(days=5)  # the policy's settings changed then
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Facts:
    """Ids of what the timeline holds for one tenant."""

    tenant_id: int
    policy: int
    plan: int
    run: int
    restore_test: int
    exercise: int
    check: int


def backdate(row: Any, when: datetime) -> None:
    """Pretend ``row`` was made (and last edited) at ``when``."""
    row.created_at = when
    if hasattr(row, "updated_at"):
        row.updated_at = when


def timeline(database: Database, tenant: Tenant, source: Path) -> Facts:
    """A backed-up subscription with a PRA set up 30 days before T; its last good backup
    at T-2h (clearing a `failed` alert raised at T-10d); its copy checked with no error
    (restic check, 5 % of the data read) at T-1h; a restore test and a PRA exercise both
    finished at T."""
    hosting = HostingFactory(database)
    primary, secondary = hosting.provider(), hosting.provider()
    offer = hosting.offer("backup", immutable=True, retention_days=7, rpo_hours=48)
    request = hosting.request(tenant, offer, size_gb=100)
    with database.transaction(scope=Scope.unrestricted()) as db:
        subscription = Subscription(tenant_id=tenant.id, request_id=request.id, offer_id=offer.id,
                                    parameters=request.parameters,
                                    monthly_cost_cents=request.monthly_cost_cents, state="active")
        db.add(subscription)
        db.flush()
        db.add(Resource(tenant_id=tenant.id, subscription_id=subscription.id, key="bucket-0",
                        kind="bucket", provider_id=primary.id, external_id="socle-as-of-c0",
                        details={"bucket": "socle-as-of-c0", "object_lock": True,
                                 "retention_days": 7}))
        db.flush()
        db.refresh(subscription)
        # its source beside the test's data directory, never holding it (refused)
        policy = policies.configure(db, subscription,
                                    PolicySet(source_path=str(source / "dossiers")),
                                    actor=ACTOR)
        plan = dr.create_plan(db, DrPlanCreate(subscription_id=subscription.id, rto_minutes=60,
                                               rpo_minutes=1440, instance_type="t3.small",
                                               image_id="ami-03cf127a"),
                              actor=ACTOR, today=SET_UP.date())
        assert plan.secondary_provider_id == secondary.id
        for row in (db.get_one(HostingProvider, primary.id),
                    db.get_one(HostingProvider, secondary.id)):
            backdate(row, SET_UP - 30 * DAY)
        for row in (subscription, *subscription.resources, policy, *policy.repositories, plan):
            backdate(row, SET_UP)
        policy.updated_at = POLICY_EDITED
        (copy,) = policy.repositories
        db.add(BackupAlert(tenant_id=tenant.id, repository_id=copy.id, kind="failed",
                           message="copy 0: repository unreachable", raised_at=T - 10 * DAY,
                           cleared_at=T - timedelta(hours=2)))
        run = BackupRun(tenant_id=tenant.id, repository_id=copy.id, kind="backup",
                        state="succeeded", snapshot_id="5f1c9a2e", files=3, bytes=1200,
                        checksums={"patient.txt": "0" * 64},
                        started_at=T - timedelta(hours=2, minutes=1),
                        finished_at=T - timedelta(hours=2))
        db.add(run)
        db.flush()
        test = RestoreTest(tenant_id=tenant.id, repository_id=copy.id, run_id=run.id,
                           snapshot_id="5f1c9a2e", state="succeeded", files_checked=3,
                           rto_seconds=4.2, started_at=T - timedelta(seconds=5), finished_at=T)
        exercise = DrExercise(tenant_id=tenant.id, plan_id=plan.id, state="succeeded",
                              started_at=T - timedelta(minutes=9), finished_at=T,
                              achieved_rto_seconds=540.0, achieved_rpo_seconds=7200.0,
                              rto_met=True, rpo_met=True, requested_by=ACTOR,
                              details={"probe": {"answered_with_restored_data": True}})
        check = BackupCheck(tenant_id=tenant.id, repository_id=copy.id, subset_percent=5.0,
                            state="succeeded", damaged_packs=[],
                            started_at=T - timedelta(hours=1, minutes=5),
                            finished_at=T - timedelta(hours=1))
        db.add_all([test, exercise, check])
        db.flush()
        return Facts(tenant.id, policy.id, plan.id, run.id, test.id, exercise.id, check.id)


def as_of(database: Database, facts: Facts, now: datetime) -> dict[str, Evidence]:
    """Every hosting collector for the tenant, judged at ``now``."""
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return collect(db, tenant_id=facts.tenant_id, keys=sorted(COLLECTORS), now=now)


def test_every_hosting_collector_sees_only_what_existed_at_now(
    database: Database, make_tenant: TenantFactory, tmp_path: Path
) -> None:
    facts = timeline(database, make_tenant(), tmp_path)

    before_anything = as_of(database, facts, SET_UP - DAY)
    assert {key: e.value for key, e in before_anything.items()} == dict.fromkeys(COLLECTORS)

    before = as_of(database, facts, T - DAY)
    assert before["hosting.restore_test"].value is None
    assert before["hosting.dr_exercise"].value is None
    assert before["hosting.immutable_copy"].value is False  # no snapshot on it yet
    supervision = before["hosting.backup_supervision"]
    assert supervision.value is False  # no good snapshot yet, the failed alert still open
    assert supervision.source.startswith("hosting.backup_alert#")
    assert len(supervision.data["open_alerts"]) == 1 and supervision.data["late"]
    assert (before["hosting.backup_policy"].value, before["hosting.backup_policy"].source) == \
        (True, f"hosting.backup_policy#{facts.policy}")
    assert before["hosting.backup_policy"].observed_at == SET_UP  # the later edit is unseen
    assert (before["hosting.dr_plan"].value, before["hosting.dr_plan"].source) == \
        (True, f"hosting.dr_plan#{facts.plan}")
    assert before["hosting.dr_plan"].observed_at == SET_UP
    for key in ("hosting.hds_certificate", "hosting.data_location"):
        assert before[key].value is True and before[key].observed_at == SET_UP - 30 * DAY
    for found in before.values():
        assert found.observed_at is None or found.observed_at <= T - DAY, found

    after = as_of(database, facts, T + DAY)
    assert (after["hosting.restore_test"].value, after["hosting.restore_test"].source,
            after["hosting.restore_test"].observed_at) == \
        (True, f"hosting.restore_test#{facts.restore_test}", T)
    assert (after["hosting.dr_exercise"].value, after["hosting.dr_exercise"].source) == \
        (True, f"hosting.dr_exercise#{facts.exercise}")
    assert (after["hosting.immutable_copy"].value, after["hosting.immutable_copy"].source,
            after["hosting.immutable_copy"].observed_at) == \
        (True, f"hosting.backup_run#{facts.run}", T - timedelta(hours=2))
    supervision = after["hosting.backup_supervision"]
    assert (supervision.value, supervision.data["late"], supervision.data["open_alerts"]) == \
        (True, [], [])
    assert after["hosting.backup_policy"].observed_at == SET_UP
    assert as_of(database, facts, POLICY_EDITED + DAY)["hosting.backup_policy"].observed_at \
        == POLICY_EDITED

    # three days after its last good snapshot the copy is past its 48 h RPO
    late = as_of(database, facts, T + 3 * DAY)["hosting.backup_supervision"]
    assert late.value is False and len(late.data["late"]) == 1


def test_the_tracker_at_a_date_sees_the_restore_test_only_once_finished(
    client: TestClient, auth: TokenFactory, database: Database, make_tenant: TenantFactory,
    tmp_path: Path,
) -> None:
    tenant = make_tenant()
    facts = timeline(database, tenant, tmp_path)
    url = f"/api/v1/ssi/tenants/{tenant.finess}/indicators"

    def d2o4(at: datetime) -> dict[str, Any]:
        answer = client.get(url, headers=auth(Role.RSSI),
                            params={"framework": "care-d2", "at": at.isoformat()})
        assert answer.status_code == 200, answer.text
        (item,) = [i for i in answer.json()["items"] if i["id"] == "D2.O4"]
        return dict(item)

    early = d2o4(T - DAY)
    assert early["status"] == "unknown" and early["automatic"][0]["value"] is None
    met = d2o4(T + DAY)
    assert met["status"] == "met"
    assert met["automatic"][0]["source"] == f"hosting.restore_test#{facts.restore_test}"
    assert datetime.fromisoformat(met["automatic"][0]["observed_at"]) == T
