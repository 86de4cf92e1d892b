"""Per-tenant quotas: the monthly cost an establishment may have open or subscribed.

A tenant without a quota row gets :data:`DEFAULT_MONTHLY_CENTS`. Requests still
pending, approved, provisioning or active count against it; rejected and failed
ones do not.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controlplane import audit
from controlplane.models import Tenant
from hosting import errors
from hosting.subscriptions.models import HostingRequest, Quota
from hosting.subscriptions.schemas import QuotaRead, RequestState

DEFAULT_MONTHLY_CENTS = 500_000  # 5,000 EUR a month
COUNTED_STATES = (
    RequestState.REQUESTED,
    RequestState.APPROVED,
    RequestState.PROVISIONING,
    RequestState.ACTIVE,
)


def used(db: Session, tenant: Tenant) -> int:
    """The monthly cost (cents) of the tenant's open and active requests."""
    total = db.scalar(
        select(func.coalesce(func.sum(HostingRequest.monthly_cost_cents), 0)).where(
            HostingRequest.tenant_id == tenant.id,
            HostingRequest.state.in_([s.value for s in COUNTED_STATES]),
        )
    )
    return int(total or 0)


def limit(db: Session, tenant: Tenant) -> int:
    """The tenant's monthly budget (cents)."""
    quota = db.scalar(select(Quota).where(Quota.tenant_id == tenant.id))
    return quota.max_monthly_cost_cents if quota else DEFAULT_MONTHLY_CENTS


def check(db: Session, tenant: Tenant, extra_cents: int) -> None:
    """409 when ``extra_cents`` more a month would exceed the tenant's quota."""
    budget, taken = limit(db, tenant), used(db, tenant)
    if taken + extra_cents > budget:
        raise errors.conflict(
            errors.QUOTA_EXCEEDED,
            "parameters",
            f"monthly cost {extra_cents} cents would bring {tenant.finess} to "
            f"{taken + extra_cents} cents, above its quota of {budget} cents",
        )


def describe(db: Session, tenant: Tenant) -> QuotaRead:
    """The tenant's quota and its use."""
    return QuotaRead(
        tenant=tenant.finess,
        max_monthly_cost_cents=limit(db, tenant),
        used_monthly_cost_cents=used(db, tenant),
    )


def set_quota(db: Session, tenant: Tenant, max_cents: int, *, actor: str) -> QuotaRead:
    """Set the tenant's monthly budget (audited)."""
    quota = db.scalar(select(Quota).where(Quota.tenant_id == tenant.id))
    before = None if quota is None else {"max_monthly_cost_cents": quota.max_monthly_cost_cents}
    if quota is None:
        quota = Quota(tenant_id=tenant.id, tenant=tenant, max_monthly_cost_cents=max_cents)
        db.add(quota)
    quota.max_monthly_cost_cents = max_cents
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="hosting.quota.set",
        target_type="hosting.quota",
        target_id=tenant.finess,
        tenant_finess=tenant.finess,
        before=before,
        after={"max_monthly_cost_cents": max_cents},
    )
    return describe(db, tenant)
