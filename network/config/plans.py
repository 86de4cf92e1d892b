"""Planning and applying the network plane's kinds (thin layer over
:mod:`controlplane.reconcile`): which routers a plan covers, how it is shown."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane import reconcile
from controlplane.models import Job, ReconcilePlan
from network import errors
from network.config.reconcile import CONFIG_KIND, MIGRATION_KIND
from network.config.schemas import PlanChange, PlanCreate, PlanKind, PlanRead
from network.errors import store
from network.inventory.models import Device, Site
from network.inventory.schemas import DeviceRole

KINDS = {PlanKind.CONFIG: CONFIG_KIND, PlanKind.MIGRATION: MIGRATION_KIND}


def make(db: Session, data: PlanCreate, *, actor: str) -> ReconcilePlan:
    """Compute and store a plan (a router that cannot be read or rendered: failed plan).

    A plan of one site's routers belongs to the site's tenant (its establishment may
    read it); others are regional.
    """
    keys = None if data.devices is None else sorted(set(data.devices))
    tenant_id = None
    if data.site is not None:
        site = store.reference(db, Site, data.site, field="site")
        at_site = db.scalars(
            select(Device.hostname).where(
                Device.site_id == site.id, Device.role == DeviceRole.CE.value
            )
        ).all()
        keys = sorted(set(at_site) if keys is None else set(at_site) & set(keys))
        tenant_id = site.tenant_id
    return reconcile.make_plan(
        db, kind=KINDS[data.kind], actor=actor, tenant_id=tenant_id, keys=keys
    )


def get(db: Session, plan_id: int) -> ReconcilePlan:
    """A stored plan of the network plane (422 for another plane's plan)."""
    plan = reconcile.get_plan(db, plan_id)
    if plan.kind not in KINDS.values():
        raise errors.invalid("plan_id", f"plan {plan_id} is a {plan.kind} plan, not a network one",
                             errors.NOT_A_NETWORK_PLAN)
    return plan


def apply(db: Session, plan_id: int, *, actor: str) -> Job:
    """Queue the job applying a stored plan (409 if it was applied or failed)."""
    return reconcile.apply_plan(db, get(db, plan_id), actor=actor)


def read(plan: ReconcilePlan) -> PlanRead:
    """How a plan is shown (no secret: configurations carry placeholders)."""
    return PlanRead(
        plan_id=plan.id,
        kind=plan.kind,
        state=plan.state,
        error=plan.error,
        created_by=plan.created_by,
        created_at=plan.plan_attempted_at,
        apply_job=plan.apply_job_id,
        changes=[PlanChange.from_change(raw) for raw in plan.changes],
    )
