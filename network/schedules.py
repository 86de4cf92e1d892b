"""The network plane's periodic work, as schedules (see controlplane.schedule).

- ``network.poll-cycle``: one poll cycle and probe round every
  ``SOCLE_NETWORK_POLL_INTERVAL`` seconds (skipped while the previous one is queued or
  running, so a slow cycle never piles up);
- ``network.backup-configs``: every CE router's configuration, daily at 02:00;
- ``network.sla-events``: SLA breaches of the month of the day before, daily at 01:15
  (on the 1st, that closes the previous month);
- ``network.sla-retention``: purge of old per-minute SLA rows, daily at 03:30.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from controlplane.models import Job
from controlplane.schedule import PARIS, Schedule, enqueue_unless_active
from network.config.flows import BACKUP_JOB
from network.polling.flows import EVENTS_JOB, POLL_JOB, RETENTION_JOB


def poll(db: Session, *, now: datetime) -> Job | None:
    """Queue a poll cycle of every device (one shard)."""
    return enqueue_unless_active(db, kind=POLL_JOB, params={"shard": "1/1"})


def backup_configs(db: Session, *, now: datetime) -> Job | None:
    """Queue the daily configuration backup of every CE router."""
    return enqueue_unless_active(db, kind=BACKUP_JOB, params={})


def sla_events(db: Session, *, now: datetime) -> Job | None:
    """Queue SLA breach detection for the month of yesterday (Europe/Paris)."""
    month = (now.astimezone(PARIS) - timedelta(days=1)).strftime("%Y-%m")
    return enqueue_unless_active(db, kind=EVENTS_JOB, params={"month": month})


def sla_retention(db: Session, *, now: datetime) -> Job | None:
    """Queue the purge of per-minute SLA rows past their retention."""
    return enqueue_unless_active(db, kind=RETENTION_JOB, params={})


SCHEDULES = [
    Schedule(POLL_JOB, poll, every=lambda settings: settings.network_poll_interval,
             description="Poll every device once and run the probes."),
    Schedule(BACKUP_JOB, backup_configs, daily_at="02:00",
             description="Back up every CE router's running configuration."),
    Schedule(EVENTS_JOB, sla_events, daily_at="01:15",
             description="Record the SLA breaches of the running (or just closed) month."),
    Schedule(RETENTION_JOB, sla_retention, daily_at="03:30",
             description="Purge per-minute SLA rows older than the retention."),
]
