"""The hosting plane's periodic work, as schedules (see controlplane.schedule).

- ``hosting.backup-schedule``: every 5 minutes, the backup scheduler's tick
  (``hosting.backup.flows.tick``): queue every due backup, retention, restore test and
  integrity check (every ``SOCLE_HOSTING_BACKUP_CHECK_DAYS``) of each policy, and raise
  ``late`` alerts on copies past their RPO.
- ``hosting.archive-verify``: daily at 03:30 (Europe/Paris), queue the integrity check of
  every archived document not checked for N days, if there is one
  (``hosting.archive.flows.queue_verification``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from controlplane.schedule import Schedule
from hosting.archive.flows import VERIFY_JOB, queue_verification
from hosting.backup.flows import SCHEDULE_JOB, tick


def backups(db: Session, *, now: datetime) -> dict[str, Any]:
    """Queue the due backup work of every policy; RPO supervision."""
    return tick(db, now=now)


def archive_verification(db: Session, *, now: datetime) -> Any:
    """Queue the check of the archived documents due for one (none queued if none is due
    or a check is active)."""
    return queue_verification(db, now=now, unless_none_due=True)


SCHEDULES = [
    Schedule(SCHEDULE_JOB, backups, every=300,
             description="Queue due backups, retention, restore tests and integrity checks; "
                         "RPO alerts."),
    Schedule(VERIFY_JOB, archive_verification, daily_at="03:30",
             description="Queue the integrity check of archived documents due for one."),
]
