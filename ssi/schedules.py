"""The SSI plane's periodic work, as schedules (see controlplane.schedule).

- ``ssi.campaign.remind``: daily at 09:00, remind the establishments whose diagnostic
  flash answers are late (the job reminds each at most once a day);
- ``ssi.checks``: daily at 04:00, the technical checks of every establishment that
  declared endpoints (one job per establishment; each host is vetted again before it is
  connected to: public addresses only, see :mod:`ssi.checks.addresses`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.models import Job, Tenant
from controlplane.schedule import Schedule
from ssi.campaigns.flows import REMIND_JOB, enqueue_reminders
from ssi.checks.models import CheckTarget
from ssi.checks.schemas import CheckRun
from ssi.checks.service import CHECK_JOB, enqueue_checks


def reminders(db: Session, *, now: datetime) -> Job:
    """Queue a reminder pass over every open campaign."""
    return enqueue_reminders(db, actor="scheduler")


def checks(db: Session, *, now: datetime) -> list[Job]:
    """Queue the checks of every establishment with endpoints declared."""
    tenants = db.scalars(select(Tenant).where(Tenant.id.in_(select(CheckTarget.tenant_id)))
                         .order_by(Tenant.id))
    return [enqueue_checks(db, tenant, CheckRun(), actor="scheduler") for tenant in tenants]


SCHEDULES = [
    Schedule(REMIND_JOB, reminders, daily_at="09:00",
             description="Remind establishments whose diagnostic flash answers are late."),
    Schedule(CHECK_JOB, checks, daily_at="04:00",
             description="Run every establishment's technical checks."),
]
