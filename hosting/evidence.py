"""What the hosting plane measures for the SSI tracker (``controlplane.evidence``).

Each collector reads one tenant's records and says where the value came from
(``hosting.restore_test#12``) and when the underlying fact was observed. A tenant
without any hosted backup or subscription gets *unknown*, never a pass.

Collectors judge *as of* the ``now`` they are given (the SSI tracker's ``?at=``): only
facts at or before it count (runs and tests finished by then, rows created by then,
alerts open at that moment), so a past date never sees later results. Rows whose
settings can change (policies, providers, PRA) keep no history: one created by ``now``
counts with its current settings, observed at its last update if that was by ``now``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.evidence import Evidence, unknown
from hosting.backup import supervision
from hosting.backup.models import (
    BackupAlert,
    BackupPolicy,
    BackupRepository,
    BackupRun,
    RestoreTest,
)
from hosting.backup.schemas import RpoStatus
from hosting.dr_evidence import dr_exercise, dr_plan, recorded_at
from hosting.models import HostingProvider, Resource, Subscription
from hosting.placement import ACTIVITIES_BY_KIND, EEA_COUNTRIES

NO_BACKUP = "aucun service de sauvegarde hébergé pour cet établissement"
NO_HOSTING = "aucun service hébergé pour cet établissement"


def _backup_subscriptions(db: Session, tenant_id: int, now: datetime) -> list[Subscription]:
    return [s for s in db.scalars(select(Subscription).where(
        Subscription.tenant_id == tenant_id, Subscription.state == "active",
        Subscription.created_at <= now).order_by(Subscription.id))
        if s.offer.kind == "backup"]


def _policies(db: Session, tenant_id: int, now: datetime) -> list[BackupPolicy]:
    return list(db.scalars(select(BackupPolicy).where(
        BackupPolicy.tenant_id == tenant_id, BackupPolicy.enabled.is_(True),
        BackupPolicy.created_at <= now).order_by(BackupPolicy.id)))


def _copies(policy: BackupPolicy, now: datetime) -> list[BackupRepository]:
    return [r for r in policy.repositories if r.created_at <= now]


def backup_policy(db: Session, *, tenant_id: int, now: datetime) -> Evidence:
    """Every active backup subscription made by ``now`` had an enabled policy by then."""
    key = "hosting.backup_policy"
    subscriptions = _backup_subscriptions(db, tenant_id, now)
    if not subscriptions:
        return unknown(key, NO_BACKUP)
    policies = {p.subscription_id: p for p in _policies(db, tenant_id, now)}
    missing = [s.id for s in subscriptions if s.id not in policies]
    if missing:
        return Evidence(key, False, now, f"{key}#subscription-{missing[0]}",
                        f"abonnement(s) sans politique de sauvegarde : {missing}")
    latest = max(policies.values(), key=lambda p: recorded_at(p, now))
    return Evidence(key, True, recorded_at(latest, now), f"{key}#{latest.id}",
                    f"{len(policies)} politique(s) : fréquence, rétention et RPO définis",
                    {"rpo_hours": [p.rpo_hours for p in policies.values()]})


def restore_test(db: Session, *, tenant_id: int, now: datetime) -> Evidence:
    """The tenant's latest restore test finished by ``now``, and whether it restored
    identical content."""
    key = "hosting.restore_test"
    test = db.scalar(select(RestoreTest).where(RestoreTest.tenant_id == tenant_id,
                                               RestoreTest.finished_at <= now)
                     .order_by(RestoreTest.finished_at.desc()).limit(1))
    if test is None:
        return unknown(key, "aucun test de restauration enregistré")
    ok = test.state == "succeeded"
    detail = (f"{test.files_checked} fichiers identiques, RTO {test.rto_seconds:.1f} s" if ok
              else f"échec : {test.reason} {test.error or test.mismatches[:3]}")
    return Evidence(key, ok, test.finished_at, f"{key}#{test.id}", detail,
                    {"rto_seconds": test.rto_seconds, "snapshot_id": test.snapshot_id})


def immutable_copy(db: Session, *, tenant_id: int, now: datetime) -> Evidence:
    """Every policy has an Object-Lock copy holding a good snapshot taken by ``now``
    (observed: the oldest of those latest snapshots)."""
    key = "hosting.immutable_copy"
    policies = _policies(db, tenant_id, now)
    if not policies:
        return unknown(key, NO_BACKUP)
    without = [p.subscription_id for p in policies
               if not any(r.immutable for r in _copies(p, now))]
    if without:
        return Evidence(key, False, now, f"hosting.backup_policy#{policies[0].id}",
                        f"abonnement(s) sans copie immuable : {without}")
    runs = []
    for policy in policies:
        immutable_ids = [r.id for r in _copies(policy, now) if r.immutable]
        run = db.scalar(select(BackupRun).where(
            BackupRun.repository_id.in_(immutable_ids), BackupRun.kind == "backup",
            BackupRun.state == "succeeded", BackupRun.finished_at <= now)
            .order_by(BackupRun.finished_at.desc()).limit(1))
        if run is None:
            return Evidence(key, False, now, f"hosting.backup_policy#{policy.id}",
                            "la copie immuable n'a encore reçu aucune sauvegarde")
        runs.append(run)
    oldest = min(runs, key=lambda r: r.finished_at or now)
    return Evidence(key, True, oldest.finished_at, f"hosting.backup_run#{oldest.id}",
                    "copie en verrouillage objet (COMPLIANCE) à jour",
                    {"snapshot_id": oldest.snapshot_id})


def backup_supervision(db: Session, *, tenant_id: int, now: datetime) -> Evidence:
    """Copies are supervised against their RPO: true while, at ``now``, none is late (its
    last good snapshot older than the RPO, or none; :func:`supervision.statuses`) and no
    alert is open."""
    key = "hosting.backup_supervision"
    repositories = list(db.scalars(select(BackupRepository).join(BackupPolicy).where(
        BackupPolicy.tenant_id == tenant_id, BackupPolicy.enabled.is_(True),
        BackupPolicy.created_at <= now, BackupRepository.created_at <= now)
        .order_by(BackupRepository.id)))
    if not repositories:
        return unknown(key, NO_BACKUP)
    lines = supervision.statuses(db, repositories, now)
    late = [line.repository_id for line in lines if line.rpo_status is RpoStatus.LATE]
    alerts = list(db.scalars(select(BackupAlert).where(
        BackupAlert.tenant_id == tenant_id, supervision.open_alerts_at(now))
        .order_by(BackupAlert.id)))
    observed = max((line.last_good_at for line in lines if line.last_good_at), default=now)
    ok = not late and not alerts
    detail = ("toutes les copies dans leur RPO, aucune alerte ouverte" if ok
              else f"{len(late)} copie(s) en retard, {len(alerts)} alerte(s) ouverte(s)")
    source = (f"hosting.backup_alert#{alerts[0].id}" if alerts
              else f"{key}#policy-{repositories[0].policy_id}")
    return Evidence(key, ok, observed, source, detail,
                    {"late": late, "open_alerts": [a.id for a in alerts]})


def _providers(db: Session, tenant_id: int, now: datetime) -> list[tuple[HostingProvider, str]]:
    """(provider, offer kind) for each provider holding one of the tenant's resources
    made by ``now``."""
    rows = db.execute(select(Resource, Subscription).join(
        Subscription, Resource.subscription_id == Subscription.id).where(
        Resource.tenant_id == tenant_id, Subscription.state == "active",
        Resource.created_at <= now).order_by(Resource.id))
    return [(resource.provider, subscription.offer.kind) for resource, subscription in rows]


def hds_certificate(db: Session, *, tenant_id: int, now: datetime) -> Evidence:
    """Providers holding the tenant's data have a valid HDS certificate for what they do."""
    key = "hosting.hds_certificate"
    held = _providers(db, tenant_id, now)
    if not held:
        return unknown(key, NO_HOSTING)
    problems = []
    for provider, kind in held:
        if provider.certificate_expires_on <= now.date():
            problems.append(f"{provider.name} : certificat expiré le "
                            f"{provider.certificate_expires_on}")
        lacking = set(ACTIVITIES_BY_KIND.get(kind, ())) - set(provider.certificate_activities)
        if lacking:
            problems.append(f"{provider.name} : activités {sorted(lacking)} non couvertes")
    first = min(held, key=lambda pair: pair[0].certificate_expires_on)[0]
    detail = "; ".join(sorted(set(problems))) or (
        f"{len({p.id for p, _ in held})} hébergeur(s) certifié(s), prochaine échéance "
        f"{first.certificate_expires_on} ({first.name}, {first.certification_body})")
    return Evidence(key, not problems, max(recorded_at(p, now) for p, _ in held),
                    f"hosting.provider#{first.id}", detail)


def data_location(db: Session, *, tenant_id: int, now: datetime) -> Evidence:
    """Every provider holding the tenant's data stores it in the EEA."""
    key = "hosting.data_location"
    held = _providers(db, tenant_id, now)
    if not held:
        return unknown(key, NO_HOSTING)
    countries = {p.name: p.country for p, _ in held}
    outside = sorted(name for name, country in countries.items()
                     if country not in EEA_COUNTRIES)
    first = held[0][0]
    return Evidence(key, not outside, max(recorded_at(p, now) for p, _ in held),
                    f"hosting.provider#{first.id}",
                    f"hors EEE : {outside}" if outside else
                    f"données dans l'EEE ({', '.join(sorted(set(countries.values())))})",
                    {"countries": countries})


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
