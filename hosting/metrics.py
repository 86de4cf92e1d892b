"""The hosting plane's figures for Prometheus, read from the database at scrape time (so
every API process shows the same), for the alert rules of ``monitoring/rules/hosting.yml``:

- each backup copy of an enabled policy: late against its RPO (as
  :func:`hosting.backup.supervision.statuses` judges it now), its last good snapshot, its
  RPO, its last integrity check (when, passed or not, the packs it found damaged) and how
  often one is due;
- each enabled policy: its last restore test (when, whether it passed), its interval,
  when it was set up;
- each PRA: its last exercise (when, whether it met its RTO and RPO), when it was made;
- each establishment's archive: documents by integrity state, and those overdue a check;
- each HDS provider: when its certificate expires;
- requests by state, and the oldest still waiting for an operator's decision.

Timestamps are seconds since the epoch; labels are the establishment's FINESS and the
subscription or PRA id, as the API and console show them. A few queries per scrape,
whatever the number of establishments.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, lazyload

from controlplane.db import Database, Scope, utcnow
from controlplane.evidence import latest_per
from controlplane.models import Tenant
from controlplane.settings import get_settings
from hosting.archive.flows import verify_every_days
from hosting.archive.models import ArchiveItem
from hosting.backup.models import BackupPolicy, BackupRepository, RestoreTest
from hosting.backup.schemas import RpoStatus
from hosting.backup.supervision import statuses
from hosting.dr.evidence import answered_with_data
from hosting.dr.models import DrExercise, DrPlan
from hosting.providers.models import HostingProvider
from hosting.subscriptions.models import HostingRequest
from hosting.subscriptions.schemas import RequestState


def _seconds(when: datetime) -> float:
    return when.timestamp()


def _gauge(name: str, documentation: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=labels)


def backup_copies(db: Session, now: datetime) -> Iterator[GaugeMetricFamily]:
    """Per copy of an enabled policy: late or not, last good snapshot, RPO; its last
    integrity check (when, passed or not, damaged packs) and the interval between two."""
    labels = ["finess", "subscription", "copy", "provider"]
    late = _gauge("socle_backup_late",
                  "1 when the copy has no good snapshot within its RPO.", labels)
    last_good = _gauge("socle_backup_last_success_timestamp_seconds",
                       "When the copy's last good snapshot finished.", labels)
    rpo = _gauge("socle_backup_rpo_seconds", "The copy's recovery point objective.", labels)
    checked = _gauge("socle_backup_check_last_timestamp_seconds",
                     "When the copy's last integrity check (restic check) finished.", labels)
    check_ok = _gauge("socle_backup_check_last_ok",
                      "1 when the copy's last integrity check ran and restic reported no "
                      "error; 0 when it found damage or could not run.", labels)
    damaged = _gauge("socle_backup_check_damaged_packs",
                     "Packs the copy's last integrity check named as damaged.", labels)
    check_every = _gauge("socle_backup_check_interval_seconds",
                         "How often the copy's integrity check is due "
                         "(SOCLE_HOSTING_BACKUP_CHECK_DAYS).", labels)
    interval = get_settings().hosting_backup_check_days * 86400.0
    copies = list(db.scalars(
        select(BackupRepository).join(BackupPolicy).where(BackupPolicy.enabled.is_(True))
        .order_by(BackupRepository.policy_id, BackupRepository.copy_index)))
    for line in statuses(db, copies, now) if copies else []:
        values = [line.tenant, str(line.subscription_id), str(line.copy_index), line.provider]
        late.add_metric(values, 1.0 if line.rpo_status is RpoStatus.LATE else 0.0)
        rpo.add_metric(values, line.rpo_hours * 3600.0)
        check_every.add_metric(values, interval)
        if line.last_good_at is not None:
            last_good.add_metric(values, _seconds(line.last_good_at))
        if line.last_check_at is not None:
            checked.add_metric(values, _seconds(line.last_check_at))
            check_ok.add_metric(values, 1.0 if line.last_check_state == "succeeded" else 0.0)
            damaged.add_metric(values, float(len(line.last_check_damaged_packs)))
    yield from (late, last_good, rpo, checked, check_ok, damaged, check_every)


def _newer(test: RestoreTest, than: RestoreTest) -> bool:
    return (test.finished_at, test.id) > (than.finished_at, than.id)


def restore_tests(db: Session) -> Iterator[GaugeMetricFamily]:
    """Per enabled policy: its last finished restore test, how often one is due, and when
    the policy was set up (what the first test is counted from)."""
    labels = ["finess", "subscription"]
    last = _gauge("socle_backup_restore_test_last_timestamp_seconds",
                  "When the policy's last restore test finished.", labels)
    passed = _gauge("socle_backup_restore_test_last_ok",
                    "1 when the policy's last restore test restored every file intact.", labels)
    interval = _gauge("socle_backup_restore_test_interval_seconds",
                      "How often the policy's restore test is due.", labels)
    created = _gauge("socle_backup_policy_created_timestamp_seconds",
                     "When the backup policy was set up.", labels)
    enabled = list(db.execute(
        select(BackupPolicy.id, BackupPolicy.subscription_id, BackupPolicy.restore_test_days,
               BackupPolicy.created_at, Tenant.finess)
        .join(Tenant, Tenant.id == BackupPolicy.tenant_id)
        .where(BackupPolicy.enabled.is_(True))
        .order_by(BackupPolicy.subscription_id)))
    latest: dict[int, RestoreTest] = {}
    for test in db.scalars(latest_per(  # each copy's last test, then each policy's
            RestoreTest, RestoreTest.repository_id,
            (RestoreTest.finished_at.desc(), RestoreTest.id.desc()),
            RestoreTest.finished_at.is_not(None))) if enabled else ():
        policy_id = test.repository.policy_id
        if policy_id not in latest or _newer(test, latest[policy_id]):
            latest[policy_id] = test
    for policy_id, subscription_id, every_days, set_up_at, finess in enabled:
        values = [finess, str(subscription_id)]
        interval.add_metric(values, every_days * 86400.0)
        created.add_metric(values, _seconds(set_up_at))
        test = latest.get(policy_id)
        if test is not None and test.finished_at is not None:
            last.add_metric(values, _seconds(test.finished_at))
            passed.add_metric(values, 1.0 if test.state == "succeeded" else 0.0)
    yield from (last, passed, interval, created)


def dr_plans(db: Session) -> Iterator[GaugeMetricFamily]:
    """Per PRA: when it was made, its last finished exercise and whether it met its goals."""
    labels = ["finess", "plan"]
    created = _gauge("socle_dr_plan_created_timestamp_seconds", "When the PRA was made.",
                     labels)
    last = _gauge("socle_dr_exercise_last_timestamp_seconds",
                  "When the PRA's last exercise finished.", labels)
    met = _gauge("socle_dr_exercise_last_objectives_met",
                 "1 when the PRA's last exercise succeeded within its RTO and RPO, the service "
                 "answering with the restored data.", labels)
    plans = list(db.execute(
        select(DrPlan.id, DrPlan.created_at, Tenant.finess)
        .join(Tenant, Tenant.id == DrPlan.tenant_id).order_by(DrPlan.id)))
    latest = {exercise.plan_id: exercise for exercise in db.scalars(
        latest_per(DrExercise, DrExercise.plan_id,
                   (DrExercise.finished_at.desc(), DrExercise.id.desc()),
                   DrExercise.finished_at.is_not(None))
        .options(lazyload(DrExercise.tenant)))} if plans else {}
    for plan_id, made_at, finess in plans:
        values = [finess, str(plan_id)]
        created.add_metric(values, _seconds(made_at))
        exercise = latest.get(plan_id)
        if exercise is not None and exercise.finished_at is not None:
            last.add_metric(values, _seconds(exercise.finished_at))
            ok = exercise.state == "succeeded" and answered_with_data(exercise.details) and bool(
                exercise.rto_met and exercise.rpo_met)
            met.add_metric(values, 1.0 if ok else 0.0)
    yield from (created, last, met)


def archive(db: Session, now: datetime) -> Iterator[GaugeMetricFamily]:
    """Per establishment: archived documents by integrity state; those overdue a check."""
    documents = _gauge("socle_archive_documents",
                       "Archived documents by the state of their last integrity check "
                       "(ok, damaged, unchecked).", ["finess", "state"])
    overdue = _gauge("socle_archive_documents_check_overdue",
                     "Archived documents not checked for more than the configured days "
                     "(SOCLE_HOSTING_ARCHIVE_VERIFY_DAYS) since their last check or deposit.",
                     ["finess"])
    cutoff = now - timedelta(days=verify_every_days())
    state = case((ArchiveItem.verified_at.is_(None), "unchecked"),
                 (ArchiveItem.verified_ok.is_(True), "ok"), else_="damaged").label("state")
    last_seen = func.coalesce(ArchiveItem.verified_at, ArchiveItem.created_at)
    rows = db.execute(
        select(Tenant.finess, state, func.count(),
               func.sum(case((last_seen < cutoff, 1), else_=0)))
        .join(Tenant, Tenant.id == ArchiveItem.tenant_id)
        .group_by(Tenant.finess, state)
    )
    counts: dict[str, dict[str, int]] = {}
    late: dict[str, int] = {}
    for finess, state_name, count, overdue_count in rows:
        per_state = counts.setdefault(finess, dict.fromkeys(("ok", "damaged", "unchecked"), 0))
        per_state[state_name] += count
        late[finess] = late.get(finess, 0) + int(overdue_count or 0)
    for finess in sorted(counts):
        for state_name, count in counts[finess].items():
            documents.add_metric([finess, state_name], float(count))
        overdue.add_metric([finess], float(late[finess]))
    yield from (documents, overdue)


def providers(db: Session) -> Iterator[GaugeMetricFamily]:
    """Per provider: when its HDS certificate stops covering (the end of its last day,
    UTC: see :func:`hosting.subscriptions.placement.certificate_expired`)."""
    expiry = _gauge("socle_hosting_provider_certificate_expiry_timestamp_seconds",
                    "When the provider's HDS certificate expires.", ["provider"])
    for name, expires_on in db.execute(
        select(HostingProvider.name, HostingProvider.certificate_expires_on)
        .order_by(HostingProvider.name)
    ):
        last_day_ends = datetime.combine(expires_on + timedelta(days=1), time(), tzinfo=UTC)
        expiry.add_metric([name], _seconds(last_day_ends))
    yield expiry


def requests(db: Session) -> Iterator[GaugeMetricFamily]:
    """Requests by state, and when the oldest one waiting for a decision was made."""
    by_state = _gauge("socle_hosting_requests", "Hosting requests by state.", ["state"])
    counts = dict(db.execute(select(HostingRequest.state, func.count())
                             .group_by(HostingRequest.state)).all())
    for request_state in RequestState:
        by_state.add_metric([request_state.value], float(counts.get(request_state.value, 0)))
    yield by_state
    oldest = db.scalar(select(func.min(HostingRequest.created_at))
                       .where(HostingRequest.state == RequestState.REQUESTED.value))
    waiting = GaugeMetricFamily(
        "socle_hosting_request_oldest_waiting_timestamp_seconds",
        "When the oldest request still waiting for an operator's decision was made.")
    if oldest is not None:
        waiting.add_metric([], _seconds(oldest))
    yield waiting


class HostingCollector(Collector):
    """Every hosting figure above, read in one read-only session per scrape."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = utcnow()
        with self.database.session(scope=Scope.unrestricted(), write=False) as db:
            families = [*backup_copies(db, now), *restore_tests(db), *dr_plans(db),
                        *archive(db, now), *providers(db), *requests(db)]
        yield from families


COLLECTORS = [HostingCollector]
