"""PRA evidence for the SSI tracker: ``hosting.dr_plan`` and ``hosting.dr_exercise``
(registered in :mod:`hosting.evidence`), judged as of ``now`` like every hosting
collector: plans, policies and exercises after it do not count. An exercise counts only
when it recorded the service answering with the restored data. Both read many tenants
at once (``*_many``, for the regional heatmap); the per-tenant forms are the same."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.evidence import Evidence, by_tenant, latest_per, one_of, unknown
from hosting.backup.models import BackupPolicy
from hosting.dr.models import DrExercise, DrPlan

PLAN_RULE = ("oui si chaque abonnement sauvegardé de l'établissement est couvert par un PRA "
             "enregistré (hébergeur de secours, RTO et RPO cibles)")
EXERCISE_RULE = ("oui si le dernier exercice de PRA a réussi : la copie détenue chez "
                 "l'hébergeur de secours restaurée sur l'hôte de reprise, le service y a "
                 "répondu avec les données restaurées (empreintes SHA-256 relevées à la "
                 "sauvegarde), dans le RTO et le RPO cibles de son PRA (seuils : le PRA "
                 "enregistré)")


class Edited(Protocol):
    """A row whose settings change in place (no history): created, then updated."""

    created_at: datetime
    updated_at: datetime


def recorded_at(row: Edited, now: datetime) -> datetime:
    """When ``row``'s content was recorded as seen at ``now``: its last update if that was
    at or before ``now``, else its creation (a later edit is not visible at ``now``)."""
    return row.updated_at if row.updated_at <= now else row.created_at


def dr_plan_many(
    db: Session, *, tenant_ids: Collection[int], now: datetime
) -> dict[int, Evidence]:
    """Every subscription backed up by ``now`` had a PRA by ``now``."""
    policies = by_tenant(db.scalars(select(BackupPolicy).where(
        BackupPolicy.tenant_id.in_(tenant_ids), BackupPolicy.created_at <= now)))
    plans = by_tenant(db.scalars(select(DrPlan).where(DrPlan.tenant_id.in_(tenant_ids),
                                                      DrPlan.created_at <= now)))
    return {tenant_id: _dr_plan(policies.get(tenant_id, []), plans.get(tenant_id, []), now)
            for tenant_id in tenant_ids}


def _dr_plan(policies: Sequence[BackupPolicy], found: Sequence[DrPlan], now: datetime) -> Evidence:
    key = "hosting.dr_plan"
    plans = sorted(found, key=lambda plan: (recorded_at(plan, now), plan.id), reverse=True)
    if not policies and not plans:
        return unknown(key, "aucun service sauvegardé ni PRA pour cet établissement",
                       rule=PLAN_RULE)
    covered = {p.subscription_id for p in plans}
    missing = sorted(p.subscription_id for p in policies if p.subscription_id not in covered)
    if missing:
        return Evidence(key, False, now, f"hosting.subscription#{missing[0]}",
                        f"abonnement(s) sauvegardé(s) sans PRA : {missing}", rule=PLAN_RULE)
    latest = plans[0]
    return Evidence(key, True, recorded_at(latest, now), f"{key}#{latest.id}",
                    f"{len(plans)} PRA ; secours chez {latest.secondary_provider.name}",
                    {"plans": [p.id for p in plans]}, rule=PLAN_RULE)


def dr_exercise_many(
    db: Session, *, tenant_ids: Collection[int], now: datetime
) -> dict[int, Evidence]:
    """The tenant's latest PRA exercise finished by ``now``, and whether it met its RTO
    and RPO."""
    latest = {exercise.tenant_id: exercise for exercise in db.scalars(latest_per(
        DrExercise, DrExercise.tenant_id, (DrExercise.finished_at.desc(), DrExercise.id.desc()),
        DrExercise.tenant_id.in_(tenant_ids), DrExercise.finished_at <= now))}
    return {tenant_id: _dr_exercise(latest.get(tenant_id)) for tenant_id in tenant_ids}


def answered_with_data(details: Mapping[str, Any]) -> bool:
    """Whether an exercise's ``details`` record the service answering with the restored
    data (an exercise recorded before the recovery host existed only saw an instance run)."""
    return details.get("probe", {}).get("answered_with_restored_data") is True


def _dr_exercise(exercise: DrExercise | None) -> Evidence:
    key = "hosting.dr_exercise"
    if exercise is None:
        return unknown(key, "aucun exercice de PRA enregistré", rule=EXERCISE_RULE)
    proven = answered_with_data(exercise.details)
    ok = exercise.state == "succeeded" and proven and bool(exercise.rto_met and exercise.rpo_met)
    if exercise.state == "succeeded" and not proven:
        detail = ("exercice sans preuve que le service a répondu avec les données restaurées "
                  "(instance démarrée seulement) : à refaire")
    elif exercise.state == "succeeded":
        targets, probe = exercise.details.get("targets", {}), exercise.details["probe"]
        detail = (f"service redémarré sur l'hôte de reprise "
                  f"{exercise.details.get('serve', {}).get('recovery_host', '?')}, "
                  f"{len(probe.get('files', []))} fichier(s) servis identiques à la "
                  f"sauvegarde ; RTO atteint {exercise.achieved_rto_seconds:.0f} s (cible "
                  f"{targets.get('rto_minutes', '?')} min), RPO atteint "
                  f"{exercise.achieved_rpo_seconds:.0f} s (cible "
                  f"{targets.get('rpo_minutes', '?')} min du PRA #{exercise.plan_id})"
                  + ("" if ok else " : cible dépassée"))
    else:
        detail = f"échec : {exercise.error}"
    return Evidence(key, ok, exercise.finished_at, f"{key}#{exercise.id}", detail,
                    {"rto_seconds": exercise.achieved_rto_seconds,
                     "rpo_seconds": exercise.achieved_rpo_seconds, "plan_id": exercise.plan_id},
                    rule=EXERCISE_RULE)


dr_plan = one_of(dr_plan_many)
dr_exercise = one_of(dr_exercise_many)
