"""The apps plane's periodic work, as schedules (see controlplane.schedule).

- ``apps.health-check``: every minute, every instance's health check (``apps.health``);
- ``apps.observe``: every 15 minutes, what runs on the targets against what should
  (``apps.observe``, one Ansible run over every target): drift.

Neither piles up: a run is skipped while the previous one is queued or running, or
while nothing is deployed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from apps.deployments.flows import OBSERVE_JOB
from apps.deployments.models import Instance
from apps.deployments.monitor import HEALTH_JOB
from controlplane.models import Job
from controlplane.schedule import Schedule, enqueue_unless_active


def _deployed(db: Session) -> bool:
    return db.scalar(select(Instance.id).limit(1)) is not None


def health(db: Session, *, now: datetime) -> Job | None:
    """Queue a health check of every instance."""
    return enqueue_unless_active(db, kind=HEALTH_JOB, params={}) if _deployed(db) else None


def observe(db: Session, *, now: datetime) -> Job | None:
    """Queue a drift check of every target."""
    return enqueue_unless_active(db, kind=OBSERVE_JOB, params={}) if _deployed(db) else None


SCHEDULES = [
    Schedule("apps.health-check", health, every=60,
             description="Check every instance's health."),
    Schedule("apps.observe", observe, every=900,
             description="Compare what runs on the targets with what should (drift)."),
]
