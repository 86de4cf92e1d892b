"""PRA evidence for the SSI tracker: ``hosting.dr_plan`` and ``hosting.dr_exercise``
(registered in :mod:`hosting.evidence`), judged as of ``now`` like every hosting
collector: plans, policies and exercises after it do not count."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.evidence import Evidence, unknown
from hosting.backup.models import BackupPolicy
from hosting.models import DrExercise, DrPlan


class Edited(Protocol):
    """A row whose settings change in place (no history): created, then updated."""

    created_at: datetime
    updated_at: datetime


def recorded_at(row: Edited, now: datetime) -> datetime:
    """When ``row``'s content was recorded as seen at ``now``: its last update if that was
    at or before ``now``, else its creation (a later edit is not visible at ``now``)."""
    return row.updated_at if row.updated_at <= now else row.created_at


def dr_plan(db: Session, *, tenant_id: int, now: datetime) -> Evidence:
    """Every subscription backed up by ``now`` had a PRA by ``now``."""
    key = "hosting.dr_plan"
    policies = list(db.scalars(select(BackupPolicy).where(BackupPolicy.tenant_id == tenant_id,
                                                          BackupPolicy.created_at <= now)))
    plans = sorted(db.scalars(select(DrPlan).where(DrPlan.tenant_id == tenant_id,
                                                   DrPlan.created_at <= now)),
                   key=lambda plan: (recorded_at(plan, now), plan.id), reverse=True)
    if not policies and not plans:
        return unknown(key, "aucun service sauvegardé ni PRA pour cet établissement")
    covered = {p.subscription_id for p in plans}
    missing = sorted(p.subscription_id for p in policies if p.subscription_id not in covered)
    if missing:
        return Evidence(key, False, now, f"hosting.subscription#{missing[0]}",
                        f"abonnement(s) sauvegardé(s) sans PRA : {missing}")
    latest = plans[0]
    return Evidence(key, True, recorded_at(latest, now), f"{key}#{latest.id}",
                    f"{len(plans)} PRA ; secours chez {latest.secondary_provider.name}",
                    {"plans": [p.id for p in plans]})


def dr_exercise(db: Session, *, tenant_id: int, now: datetime) -> Evidence:
    """The tenant's latest PRA exercise finished by ``now``, and whether it met its RTO
    and RPO."""
    key = "hosting.dr_exercise"
    exercise = db.scalar(select(DrExercise).where(DrExercise.tenant_id == tenant_id,
                                                  DrExercise.finished_at <= now)
                         .order_by(DrExercise.finished_at.desc()).limit(1))
    if exercise is None:
        return unknown(key, "aucun exercice de PRA enregistré")
    ok = exercise.state == "succeeded" and bool(exercise.rto_met and exercise.rpo_met)
    if exercise.state == "succeeded":
        detail = (f"RTO atteint {exercise.achieved_rto_seconds:.0f} s, "
                  f"RPO atteint {exercise.achieved_rpo_seconds:.0f} s"
                  + ("" if ok else " : cible dépassée"))
    else:
        detail = f"échec : {exercise.error}"
    return Evidence(key, ok, exercise.finished_at, f"{key}#{exercise.id}", detail,
                    {"rto_seconds": exercise.achieved_rto_seconds,
                     "rpo_seconds": exercise.achieved_rpo_seconds, "plan_id": exercise.plan_id})
