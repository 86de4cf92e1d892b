"""What the hosting plane measures for the SSI tracker (``controlplane.evidence``).

Each collector reads one tenant's records and says where the value came from
(``hosting.restore_test#12``) and when the underlying fact was observed. A tenant
without any hosted backup or subscription gets *unknown*, never a pass.

Collectors judge *as of* the ``now`` they are given (the SSI tracker's ``?at=``): only
facts at or before it count (runs and tests finished by then, rows created by then,
alerts open at that moment), so a past date never sees later results. Rows whose
settings can change (policies, providers, PRA) keep no history: one created by ``now``
counts with its current settings, observed at its last update if that was by ``now``.

Each collector reads many tenants at once (``BATCHED``, a fixed number of queries for the
regional heatmap); the per-tenant ``COLLECTORS`` are the same functions for one tenant.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.evidence import BatchedCollector, Evidence, by_tenant, latest_per, one_of, unknown
from controlplane.settings import get_settings
from hosting.backup import supervision
from hosting.backup.models import (
    BackupAlert,
    BackupPolicy,
    BackupRepository,
    BackupRun,
    RestoreTest,
)
from hosting.backup.schemas import BackupStatusRead, RpoStatus
from hosting.dr.evidence import dr_exercise, dr_exercise_many, dr_plan, dr_plan_many, recorded_at
from hosting.providers.models import HostingProvider
from hosting.subscriptions.models import Resource, Subscription
from hosting.subscriptions.placement import ACTIVITIES_BY_KIND, EEA_COUNTRIES, certificate_expired

NO_BACKUP = "aucun service de sauvegarde hébergé pour cet établissement"
NO_HOSTING = "aucun service hébergé pour cet établissement"
RULES = {
    "hosting.backup_policy": "oui si chaque abonnement de sauvegarde actif a une politique "
    "activée (fréquence, rétention et RPO définis)",
    "hosting.restore_test": "oui si le dernier test de restauration a rendu chaque fichier "
    "identique à la sauvegarde (empreintes SHA-256 relevées à la sauvegarde)",
    "hosting.immutable_copy": "oui si chaque politique a une copie en verrouillage objet "
    "(COMPLIANCE) qui détient au moins une sauvegarde réussie",
    "hosting.backup_supervision": "oui si aucune copie n'a sa dernière sauvegarde réussie "
    "plus vieille que le RPO de sa politique (le seuil), si chaque copie a été vérifiée "
    "(restic check) dans l'intervalle des vérifications plus un jour "
    "(SOCLE_HOSTING_BACKUP_CHECK_DAYS ; une copie plus récente n'est pas encore due), si "
    "la dernière vérification d'intégrité de chaque copie n'a pas échoué (dommage trouvé ou "
    "vérification impossible) "
    "et si aucune alerte de sauvegarde n'est ouverte",
    "hosting.hds_certificate": "oui si chaque hébergeur qui détient des données de "
    "l'établissement a un certificat HDS en cours de validité couvrant les activités de "
    "l'offre (référentiel HDS)",
    "hosting.data_location": "oui si chaque hébergeur qui détient des données de "
    "l'établissement les stocke dans l'Espace économique européen",
}


def _missing(key: str, reason: str) -> Evidence:
    return unknown(key, reason, rule=RULES[key])


def _measured(key: str, value: bool, observed_at: datetime | None, source: str, detail: str,
              data: dict[str, Any] | None = None) -> Evidence:
    return Evidence(key, value, observed_at, source, detail, data or {}, rule=RULES[key])


def _backup_subscriptions(
    db: Session, tenant_ids: Collection[int], now: datetime
) -> dict[int, list[Subscription]]:
    return by_tenant(s for s in db.scalars(select(Subscription).where(
        Subscription.tenant_id.in_(tenant_ids), Subscription.state == "active",
        Subscription.created_at <= now).order_by(Subscription.id))
        if s.offer.kind == "backup")


def _policies(
    db: Session, tenant_ids: Collection[int], now: datetime
) -> dict[int, list[BackupPolicy]]:
    return by_tenant(db.scalars(select(BackupPolicy).where(
        BackupPolicy.tenant_id.in_(tenant_ids), BackupPolicy.enabled.is_(True),
        BackupPolicy.created_at <= now).order_by(BackupPolicy.id)))


def _copies(policy: BackupPolicy, now: datetime) -> list[BackupRepository]:
    return [r for r in policy.repositories if r.created_at <= now]


def backup_policy_many(
    db: Session, *, tenant_ids: Collection[int], now: datetime
) -> dict[int, Evidence]:
    """Every active backup subscription made by ``now`` had an enabled policy by then."""
    subscriptions = _backup_subscriptions(db, tenant_ids, now)
    policies = _policies(db, tenant_ids, now)
    return {tenant_id: _backup_policy(subscriptions.get(tenant_id, []),
                                      policies.get(tenant_id, []), now)
            for tenant_id in tenant_ids}


def _backup_policy(
    subscriptions: Sequence[Subscription], found: Sequence[BackupPolicy], now: datetime
) -> Evidence:
    key = "hosting.backup_policy"
    if not subscriptions:
        return _missing(key, NO_BACKUP)
    policies = {p.subscription_id: p for p in found}
    missing = [s.id for s in subscriptions if s.id not in policies]
    if missing:
        return _measured(key, False, now, f"{key}#subscription-{missing[0]}",
                        f"abonnement(s) sans politique de sauvegarde : {missing}")
    latest = max(policies.values(), key=lambda p: recorded_at(p, now))
    return _measured(key, True, recorded_at(latest, now), f"{key}#{latest.id}",
                    f"{len(policies)} politique(s) : fréquence, rétention et RPO définis",
                    {"rpo_hours": [p.rpo_hours for p in policies.values()]})


def restore_test_many(
    db: Session, *, tenant_ids: Collection[int], now: datetime
) -> dict[int, Evidence]:
    """The tenant's latest restore test finished by ``now``, and whether it restored
    identical content."""
    latest = {test.tenant_id: test for test in db.scalars(latest_per(
        RestoreTest, RestoreTest.tenant_id,
        (RestoreTest.finished_at.desc(), RestoreTest.id.desc()),
        RestoreTest.tenant_id.in_(tenant_ids), RestoreTest.finished_at <= now))}
    return {tenant_id: _restore_test(latest.get(tenant_id)) for tenant_id in tenant_ids}


def _restore_test(test: RestoreTest | None) -> Evidence:
    key = "hosting.restore_test"
    if test is None:
        return _missing(key, "aucun test de restauration enregistré")
    ok = test.state == "succeeded"
    detail = (f"{test.files_checked} fichiers identiques, RTO {test.rto_seconds:.1f} s" if ok
              else f"échec : {test.reason} {test.error or test.mismatches[:3]}")
    return _measured(key, ok, test.finished_at, f"{key}#{test.id}", detail,
                    {"rto_seconds": test.rto_seconds, "snapshot_id": test.snapshot_id})


def immutable_copy_many(
    db: Session, *, tenant_ids: Collection[int], now: datetime
) -> dict[int, Evidence]:
    """Every policy has an Object-Lock copy holding a good snapshot taken by ``now``
    (observed: the oldest of those latest snapshots)."""
    policies = _policies(db, tenant_ids, now)
    immutable = [r.id for found in policies.values() for p in found for r in _copies(p, now)
                 if r.immutable]
    latest = {run.repository_id: run for run in db.scalars(latest_per(
        BackupRun, BackupRun.repository_id, (BackupRun.finished_at.desc(), BackupRun.id.desc()),
        BackupRun.repository_id.in_(immutable), BackupRun.kind == "backup",
        BackupRun.state == "succeeded", BackupRun.finished_at <= now))}
    return {tenant_id: _immutable_copy(policies.get(tenant_id, []), latest, now)
            for tenant_id in tenant_ids}


def _immutable_copy(
    policies: Sequence[BackupPolicy], latest: dict[int, BackupRun], now: datetime
) -> Evidence:
    key = "hosting.immutable_copy"
    if not policies:
        return _missing(key, NO_BACKUP)
    without = [p.subscription_id for p in policies
               if not any(r.immutable for r in _copies(p, now))]
    if without:
        return _measured(key, False, now, f"hosting.backup_policy#{policies[0].id}",
                        f"abonnement(s) sans copie immuable : {without}")
    runs = []
    for policy in policies:
        held = [latest[r.id] for r in _copies(policy, now) if r.immutable and r.id in latest]
        if not held:
            return _measured(key, False, now, f"hosting.backup_policy#{policy.id}",
                            "la copie immuable n'a encore reçu aucune sauvegarde")
        runs.append(max(held, key=lambda r: (r.finished_at, r.id)))
    oldest = min(runs, key=lambda r: r.finished_at or now)
    return _measured(key, True, oldest.finished_at, f"hosting.backup_run#{oldest.id}",
                    "copie en verrouillage objet (COMPLIANCE) à jour",
                    {"snapshot_id": oldest.snapshot_id})


def backup_supervision_many(
    db: Session, *, tenant_ids: Collection[int], now: datetime
) -> dict[int, Evidence]:
    """Copies are supervised against their RPO and their integrity: true while, at
    ``now``, none is late (its last good snapshot older than the RPO, or none;
    :func:`supervision.statuses`), none has a failed last integrity check (damage found,
    or the check could not run) and no alert is open."""
    owned = list(db.execute(
        select(BackupPolicy.tenant_id, BackupRepository).select_from(BackupRepository)
        .join(BackupPolicy, BackupRepository.policy_id == BackupPolicy.id)
        .where(BackupPolicy.tenant_id.in_(tenant_ids), BackupPolicy.enabled.is_(True),
               BackupPolicy.created_at <= now, BackupRepository.created_at <= now)
        .order_by(BackupRepository.id)))
    lines = supervision.statuses(db, [repository for _, repository in owned], now)
    repositories: dict[int, list[tuple[BackupRepository, BackupStatusRead]]] = {}
    for (tenant_id, repository), line in zip(owned, lines, strict=True):
        repositories.setdefault(tenant_id, []).append((repository, line))
    alerts = by_tenant(db.scalars(select(BackupAlert).where(
        BackupAlert.tenant_id.in_(tenant_ids), supervision.open_alerts_at(now))
        .order_by(BackupAlert.id)))
    return {tenant_id: _supervision(repositories.get(tenant_id, []), alerts.get(tenant_id, []),
                                    now)
            for tenant_id in tenant_ids}


def _supervision(
    repositories: Sequence[tuple[BackupRepository, BackupStatusRead]],
    alerts: Sequence[BackupAlert], now: datetime,
) -> Evidence:
    key = "hosting.backup_supervision"
    if not repositories:
        return _missing(key, NO_BACKUP)
    lines = [line for _, line in repositories]
    late = [line.repository_id for line in lines if line.rpo_status is RpoStatus.LATE]
    damaged = [line.repository_id for line in lines if line.last_check_state == "failed"]
    allowed = timedelta(days=get_settings().hosting_backup_check_days + 1)
    overdue = [line.repository_id for repository, line in repositories
               if now - (line.last_check_at or repository.created_at) > allowed]
    observed = max((line.last_good_at for line in lines if line.last_good_at), default=now)
    ok = not late and not damaged and not overdue and not alerts
    detail = ("toutes les copies dans leur RPO et vérifiées à temps, aucune vérification "
              "d'intégrité en échec, aucune alerte ouverte" if ok
              else f"{len(late)} copie(s) en retard, {len(damaged)} copie(s) dont la dernière "
                   f"vérification d'intégrité a échoué, {len(overdue)} copie(s) non vérifiée(s) "
                   f"à temps, {len(alerts)} alerte(s) ouverte(s)")
    source = (f"hosting.backup_alert#{alerts[0].id}" if alerts
              else f"{key}#policy-{repositories[0][0].policy_id}")
    return _measured(key, ok, observed, source, detail,
                    {"late": late, "check_failed": damaged, "check_overdue": overdue,
                     "unchecked": [line.repository_id for line in lines
                                   if line.last_check_state is None],
                     "open_alerts": [a.id for a in alerts]})


Held = list[tuple[HostingProvider, str]]


def _providers(db: Session, tenant_ids: Collection[int], now: datetime) -> dict[int, Held]:
    """(provider, offer kind) for each provider holding one of each tenant's resources
    made by ``now``."""
    rows = db.execute(select(Resource, Subscription).join(
        Subscription, Resource.subscription_id == Subscription.id).where(
        Resource.tenant_id.in_(tenant_ids), Subscription.state == "active",
        Resource.created_at <= now).order_by(Resource.id))
    held: dict[int, Held] = {}
    for resource, subscription in rows:
        held.setdefault(resource.tenant_id, []).append((resource.provider,
                                                        subscription.offer.kind))
    return held


def hds_certificate_many(
    db: Session, *, tenant_ids: Collection[int], now: datetime
) -> dict[int, Evidence]:
    """Providers holding the tenant's data have a valid HDS certificate for what they do."""
    held = _providers(db, tenant_ids, now)
    return {tenant_id: _hds_certificate(held.get(tenant_id, []), now)
            for tenant_id in tenant_ids}


def _hds_certificate(held: Held, now: datetime) -> Evidence:
    key = "hosting.hds_certificate"
    if not held:
        return _missing(key, NO_HOSTING)
    problems = []
    for provider, kind in held:
        if certificate_expired(provider.certificate_expires_on, now.date()):
            problems.append(f"{provider.name} : certificat expiré le "
                            f"{provider.certificate_expires_on}")
        lacking = set(ACTIVITIES_BY_KIND.get(kind, ())) - set(provider.certificate_activities)
        if lacking:
            problems.append(f"{provider.name} : activités {sorted(lacking)} non couvertes")
    first = min(held, key=lambda pair: pair[0].certificate_expires_on)[0]
    detail = "; ".join(sorted(set(problems))) or (
        f"{len({p.id for p, _ in held})} hébergeur(s) certifié(s), prochaine échéance "
        f"{first.certificate_expires_on} ({first.name}, {first.certification_body})")
    return _measured(key, not problems, max(recorded_at(p, now) for p, _ in held),
                    f"hosting.provider#{first.id}", detail)


def data_location_many(
    db: Session, *, tenant_ids: Collection[int], now: datetime
) -> dict[int, Evidence]:
    """Every provider holding the tenant's data stores it in the EEA."""
    held = _providers(db, tenant_ids, now)
    return {tenant_id: _data_location(held.get(tenant_id, []), now) for tenant_id in tenant_ids}


def _data_location(held: Held, now: datetime) -> Evidence:
    key = "hosting.data_location"
    if not held:
        return _missing(key, NO_HOSTING)
    countries = {p.name: p.country for p, _ in held}
    outside = sorted(name for name, country in countries.items()
                     if country not in EEA_COUNTRIES)
    first = held[0][0]
    return _measured(key, not outside, max(recorded_at(p, now) for p, _ in held),
                    f"hosting.provider#{first.id}",
                    f"hors EEE : {outside}" if outside else
                    f"données dans l'EEE ({', '.join(sorted(set(countries.values())))})",
                    {"countries": countries})


BATCHED: dict[str, BatchedCollector] = {
    "hosting.backup_policy": backup_policy_many,
    "hosting.restore_test": restore_test_many,
    "hosting.immutable_copy": immutable_copy_many,
    "hosting.backup_supervision": backup_supervision_many,
    "hosting.hds_certificate": hds_certificate_many,
    "hosting.data_location": data_location_many,
    "hosting.dr_plan": dr_plan_many,
    "hosting.dr_exercise": dr_exercise_many,
}

backup_policy = one_of(backup_policy_many)
restore_test = one_of(restore_test_many)
immutable_copy = one_of(immutable_copy_many)
backup_supervision = one_of(backup_supervision_many)
hds_certificate = one_of(hds_certificate_many)
data_location = one_of(data_location_many)

COLLECTORS: dict[str, Callable[..., Evidence]] = {
    "hosting.backup_policy": backup_policy,
    "hosting.restore_test": restore_test,
    "hosting.immutable_copy": immutable_copy,
    "hosting.backup_supervision": backup_supervision,
    "hosting.hds_certificate": hds_certificate,
    "hosting.data_location": data_location,
    "hosting.dr_plan": dr_plan,
    "hosting.dr_exercise": dr_exercise,
}
