"""Authorization-matrix examples for the PRA routes (``/hosting/dr-plans``,
``/hosting/dr-exercises``) and the Pulumi export of a subscription.

Plans are made on the backup world of :mod:`tests.hosting.authz_cases_backups` (a
policy with a good snapshot at a dead provider); starting an exercise only queues it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from controlplane.db import Scope
from controlplane.models import Tenant
from hosting.dr import flows
from hosting.dr import service as dr
from hosting.dr.models import DrPlan
from hosting.dr.schemas import DrPlanCreate
from hosting.errors import store
from tests.hosting.authz_cases_backups import backup_subscription
from tests.support.authz import Case, World

HOST = "/api/v1/hosting"
PLANS = f"{HOST}/dr-plans"
EXERCISES = f"{HOST}/dr-exercises"


def plan_body(w: World, t: Tenant) -> dict[str, Any]:
    """A valid plan body for a fresh backed-up subscription of ``t`` (and a secondary)."""
    subscription_id = backup_subscription(w, t)
    w.hosting.provider()  # somewhere else to recover to
    return {"subscription_id": subscription_id, "rto_minutes": 60, "rpo_minutes": 1440,
            "instance_type": "t3.small", "image_id": "ami-03cf127a"}


def plan(w: World, t: Tenant) -> int:
    """A PRA of ``t``."""
    body = DrPlanCreate(**plan_body(w, t))
    with w.database.transaction(scope=Scope.unrestricted()) as db:
        return dr.create_plan(db, body, actor="tests", today=date(2026, 11, 28)).id


def exercise(w: World, t: Tenant) -> int:
    """A (queued) exercise of a PRA of ``t``."""
    plan_id = plan(w, t)
    with w.database.transaction(scope=Scope.unrestricted()) as db:
        row, _ = flows.start_exercise(db, store.get(db, DrPlan, plan_id), actor="tests")
        return row.id


CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{HOST}/subscriptions/{{subscription_id}}/pulumi"): Case(
        lambda w, t: (f"{HOST}/subscriptions/{w.hosting.subscription(t).id}/pulumi", None),
        tenant_bound=True),
    ("POST", PLANS): Case(lambda w, t: (PLANS, plan_body(w, t)), success=201, tenant_bound=True),
    ("GET", PLANS): Case(lambda w, t: (PLANS, None)),
    ("GET", f"{PLANS}/{{plan_id}}"): Case(
        lambda w, t: (f"{PLANS}/{plan(w, t)}", None), tenant_bound=True),
    ("PUT", f"{PLANS}/{{plan_id}}/recovery-host"): Case(
        lambda w, t: (f"{PLANS}/{plan(w, t)}/recovery-host", {"access": {"kind": "local"}}),
        tenant_bound=True),
    ("POST", f"{PLANS}/{{plan_id}}/exercise"): Case(
        lambda w, t: (f"{PLANS}/{plan(w, t)}/exercise", None), success=202, tenant_bound=True),
    ("GET", EXERCISES): Case(lambda w, t: (EXERCISES, None)),
    ("GET", f"{EXERCISES}/{{exercise_id}}"): Case(
        lambda w, t: (f"{EXERCISES}/{exercise(w, t)}", None), tenant_bound=True),
}
