"""The reminder job for late diagnostic flash answers (``ssi.campaign.remind``).

One step, idempotent: it marks each late assessment reminded at most once per UTC day
(with an audit record per reminder), so a rerun or a resumed job reminds nobody twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from controlplane import jobs
from controlplane.db import utcnow
from controlplane.models import Job
from ssi.campaigns import service as campaigns

REMIND_JOB = "ssi.campaign.remind"


def enqueue_reminders(db: Session, *, actor: str, campaign_id: int | None = None) -> Job:
    """Queue a reminder pass over one campaign, or every open campaign."""
    return jobs.enqueue(db, kind=REMIND_JOB, params={"campaign_id": campaign_id}, actor=actor)


def _remind(ctx: jobs.StepContext) -> Mapping[str, Any]:
    with ctx.transaction() as db:
        found = campaigns.remind_late(
            db, today=utcnow().date(), actor=ctx.actor,
            campaign_id=ctx.params.get("campaign_id"),
        )
    for finess in found.late:
        ctx.log(f"late: {finess}" + (" (reminded)" if finess in found.reminded else ""))
    return found.model_dump()


jobs.register(
    jobs.JobKind(
        name=REMIND_JOB,
        steps=(jobs.Step("remind", _remind),),
        description="Remind establishments whose diagnostic flash answers are late.",
    )
)
