"""The PRA page over HTTP: each plan's objectives against its latest exercise's achieved
RTO/RPO, the exercises list, starting an exercise (operators only); an establishment
sees only its own plans.

Plans and finished exercises are rows as ``hosting.dr.service`` and the exercise job leave
them (the job itself runs against the simulated providers in tests/hosting/test_dr.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from controlplane.db import Database, Scope, utcnow
from controlplane.models import Job, Tenant
from hosting.dr.models import DrExercise, DrPlan
from tests.conftest import TenantFactory, TokenFactory
from tests.console.support import signed_in
from tests.hosting.factories import HostingFactory


def _plan(database: Database, hosting: HostingFactory, tenant: Tenant,
          exercised: tuple[float, float] | None) -> int:
    """A PRA of a new subscription of ``tenant`` (RTO 60 min, RPO 1440 min); with an
    exercise that achieved ``exercised`` = (RTO s, RPO s). The plan's id."""
    subscription = hosting.subscription(tenant)
    primary, secondary = hosting.provider(), hosting.provider()
    with database.transaction(scope=Scope.unrestricted()) as db:
        plan = DrPlan(tenant_id=tenant.id, subscription_id=subscription.id,
                      primary_provider_id=primary.id, secondary_provider_id=secondary.id,
                      rto_minutes=60, rpo_minutes=1440, instance_type="t3.small",
                      image_id="ami-03cf127a", protected_resources=[], runbook=[],
                      placement={}, created_by="tests")
        db.add(plan)
        db.flush()
        if exercised is not None:
            rto, rpo = exercised
            started = utcnow() - timedelta(days=1)
            db.add(DrExercise(tenant_id=tenant.id, plan_id=plan.id, state="succeeded",
                              exercise_key=f"dr-{plan.id}-1", started_at=started,
                              finished_at=started + timedelta(seconds=rto),
                              achieved_rto_seconds=rto, achieved_rpo_seconds=rpo,
                              rto_met=rto <= 3600, rpo_met=rpo <= 86400, details={},
                              requested_by="tests"))
        return plan.id


@pytest.fixture
def plans(database: Database, make_tenant: TenantFactory) -> dict[str, tuple[Tenant, int]]:
    hosting = HostingFactory(database)
    good, slow = make_tenant(name="CH Rapide"), make_tenant(name="CH Lent")
    return {"good": (good, _plan(database, hosting, good, (1500.0, 7200.0))),
            "slow": (slow, _plan(database, hosting, slow, (5400.0, 90000.0)))}


def test_operator_reads_objectives_against_achievements_and_starts_an_exercise(
    client: TestClient, auth: TokenFactory, plans: dict[str, tuple[Tenant, int]],
    database: Database,
) -> None:
    console = signed_in(client, auth, "gcs-operator")
    html = client.get("/console/hosting/dr").text
    assert html.count("60 min / 1440 min") == 2
    assert '25,0 min <span class="badge badge-ok">atteint</span>' in html
    assert '90,0 min <span class="badge badge-breach">manqué</span>' in html
    assert '1500,0 min <span class="badge badge-breach">manqué</span>' in html  # RPO 25 h

    _, plan_id = plans["good"]
    started = console.post_form("/console/hosting/dr", f"/console/hosting/dr/{plan_id}/exercise",
                                {})
    assert started.status_code == 303
    job_id = int(started.headers["location"].rsplit("/", 1)[1])
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert db.get_one(Job, job_id).kind.startswith("hosting.")
    again = console.post_form("/console/hosting/dr", f"/console/hosting/dr/{plan_id}/exercise",
                              {})
    assert again.status_code == 409  # one exercise at a time


def test_establishment_sees_its_own_plan_and_cannot_start_exercises(
    client: TestClient, auth: TokenFactory, plans: dict[str, tuple[Tenant, int]]
) -> None:
    tenant, plan_id = plans["good"]
    console = signed_in(client, auth, "establishment", tenant)
    html = client.get("/console/hosting/dr").text
    assert tenant.finess in html and plans["slow"][0].finess not in html
    assert "Lancer un exercice" not in html
    refused = console.post_form("/console/hosting/dr", f"/console/hosting/dr/{plan_id}/exercise",
                                {})
    assert refused.status_code == 403
