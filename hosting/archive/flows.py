"""Periodic integrity checks of the long-term archive, without anyone asking.

Documents stay 10 to 30 years. The ``hosting.archive-verify`` job (queued daily by
``hosting.schedules``, or by an operator) re-reads, with :func:`hosting.archive.service.verify`
(recorded, audited), every document not checked for ``SOCLE_HOSTING_ARCHIVE_VERIFY_DAYS``
days (90 by default) and every document found damaged before the job was queued. What
is due is fixed when the job is queued and each document is checked in a transaction
of its own, so a job resumed after a crash does not read again what it already checked.
A damaged copy is an error log line (and a line of the job's log) and fails the job,
naming every damaged document, once all were checked.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from controlplane import jobs
from controlplane.db import utcnow
from controlplane.models import Job
from controlplane.schedule import enqueue_unless_active
from controlplane.settings import get_settings
from hosting.archive.models import ArchiveItem
from hosting.archive.service import verify

VERIFY_JOB = "hosting.archive-verify"
VERIFY_BATCH = 50  # documents read from the database at a time

log = logging.getLogger(__name__)


class ArchiveDamaged(RuntimeError):
    """The periodic check found damaged documents; the message names each."""


def verify_every_days() -> int:
    """Days between two checks of a document (``SOCLE_HOSTING_ARCHIVE_VERIFY_DAYS``, 90)."""
    return get_settings().hosting_archive_verify_days


def due_condition(cutoff: datetime, since: datetime) -> ColumnElement[bool]:
    """Documents to check: never checked, checked before ``cutoff``, or found damaged by
    a check before ``since`` (a damaged document is read again at every run, once)."""
    return or_(
        ArchiveItem.verified_at.is_(None),
        ArchiveItem.verified_at < cutoff,
        and_(ArchiveItem.verified_ok.is_not(True), ArchiveItem.verified_at < since),
    )


def verification_params(now: datetime, older_than_days: int) -> dict[str, Any]:
    """A verification job's parameters: what is due is fixed when it is queued."""
    return {
        "older_than_days": older_than_days,
        "cutoff": (now - timedelta(days=older_than_days)).isoformat(),
        "since": now.isoformat(),
    }


def _due(params: Mapping[str, Any]) -> ColumnElement[bool]:
    return due_condition(
        datetime.fromisoformat(params["cutoff"]), datetime.fromisoformat(params["since"])
    )


def queue_verification(
    db: Session,
    *,
    now: datetime,
    actor: str = "scheduler",
    older_than_days: int | None = None,
    unless_none_due: bool = False,
) -> Job | None:
    """Queue the check of every due document, unless a check is already queued or running
    (or, with ``unless_none_due``, no document is due)."""
    days = verify_every_days() if older_than_days is None else older_than_days
    params = verification_params(now, days)
    if unless_none_due and db.scalar(select(ArchiveItem.id).where(_due(params)).limit(1)) is None:
        return None
    return enqueue_unless_active(db, kind=VERIFY_JOB, params=params, actor=actor)


def start_verification(db: Session, *, actor: str, older_than_days: int | None = None) -> Job:
    """The check an operator asks for: queued now, or the one already queued or running."""
    job = queue_verification(db, now=utcnow(), actor=actor, older_than_days=older_than_days)
    if job is not None:
        return job
    active = db.scalar(
        select(Job).where(Job.kind == VERIFY_JOB, Job.state.in_(("queued", "running")))
        .order_by(Job.id).limit(1)
    )
    assert active is not None  # enqueue_unless_active saw it in this transaction
    return active


def _damage(item: ArchiveItem) -> str:
    bad = [f"{c['provider']}: {c.get('error')}" for c in item.verify_detail if not c.get("ok")]
    return f"archive {item.id} ({item.tenant.finess} {item.name}): {'; '.join(bad)}"


def _verify_due(ctx: jobs.StepContext) -> Mapping[str, Any]:
    """Check every due document, one transaction each, so a resumed job skips those done."""
    due = _due(ctx.params)
    actor = ctx.actor
    with ctx.read() as db:
        total = db.scalar(select(func.count()).select_from(ArchiveItem).where(due)) or 0
    ctx.log(f"{total} document(s) due (not checked since {ctx.params['cutoff']})")
    checked, damaged, last_id = 0, [], 0
    while True:
        with ctx.read() as db:
            batch = list(db.scalars(select(ArchiveItem.id).where(due, ArchiveItem.id > last_id)
                                    .order_by(ArchiveItem.id).limit(VERIFY_BATCH)))
        if not batch:
            break
        for item_id in batch:
            last_id = item_id
            with ctx.transaction() as db:
                item = db.scalar(select(ArchiveItem).where(ArchiveItem.id == item_id, due))
                if item is None:  # checked meanwhile (an operator's verify)
                    continue
                verify(db, item, actor=actor)
                problem = None if item.verified_ok else _damage(item)
            checked += 1
            if problem:
                damaged.append(problem)
                log.error("archive integrity: %s", problem)
                ctx.log(f"DAMAGED {problem}"[:1000], level="error")
            ctx.progress(checked, max(total, checked))
    ctx.log(f"{checked} document(s) checked, {len(damaged)} damaged")
    if damaged:
        raise ArchiveDamaged(f"{len(damaged)} damaged archive document(s): "
                             + " | ".join(damaged[:20]))
    return {"checked": checked, "damaged": 0}


jobs.register(jobs.JobKind(
    name=VERIFY_JOB,
    steps=(jobs.Step("verify", _verify_due),),
    description="Re-read every archived document not checked for N days (SHA-256, lock).",
))
