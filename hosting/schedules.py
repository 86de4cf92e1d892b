"""The hosting plane's periodic work, as schedules (see controlplane.schedule).

- ``hosting.backup-schedule``: every 5 minutes, the backup scheduler's tick
  (``hosting.backup.jobs.tick``): queue every due backup, retention and restore test
  of each policy, and raise ``late`` alerts on copies past their RPO.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from controlplane.schedule import Schedule
from hosting.backup.jobs import SCHEDULE_JOB, tick


def backups(db: Session, *, now: datetime) -> dict[str, Any]:
    """Queue the due backup work of every policy; RPO supervision."""
    return tick(db, now=now)


SCHEDULES = [
    Schedule(SCHEDULE_JOB, backups, every=300,
             description="Queue due backups, retention and restore tests; RPO alerts."),
]
