"""/metrics for the hosting plane: what the rules of ``monitoring/rules/hosting.yml`` read,
computed from the rows the plane's jobs leave (the ``timeline`` of the evidence tests: a
backed-up subscription with a restore test and a PRA exercise), plus archived documents in
each integrity state and a request waiting for a decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from controlplane.db import Database, Scope, utcnow
from controlplane.metrics import exposition
from hosting.archive.models import ArchiveItem
from hosting.backup.models import BackupPolicy, BackupRepository, RestoreTest
from hosting.subscriptions.models import HostingRequest
from tests.conftest import TenantFactory
from tests.hosting.test_evidence_as_of import SET_UP, Facts, T, timeline

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(database: Database) -> Samples:
    """Every hosting sample /metrics shows now, by name and labels."""
    text = exposition(database).decode()
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name.startswith(("socle_backup", "socle_dr", "socle_archive",
                                       "socle_hosting"))}


def of(samples: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    """The samples of one metric, by label set."""
    return {labels: value for (metric, labels), value in samples.items() if metric == name}


def labels(**pairs: str) -> frozenset[tuple[str, str]]:
    return frozenset(pairs.items())


def archived(facts: Facts, database: Database, name: str, *, created: datetime,
             verified_at: datetime | None = None, ok: bool | None = None) -> None:
    """An archived document as a deposit (and a check, if ``verified_at``) leaves it."""
    with database.transaction(scope=Scope.unrestricted()) as db:
        policy = db.get_one(BackupPolicy, facts.policy)
        db.add(ArchiveItem(tenant_id=facts.tenant_id, subscription_id=policy.subscription_id,
                           name=name, object_key=f"docs/{name}", size_bytes=10,
                           sha256="0" * 64, retain_until=created + timedelta(days=3650),
                           copies=[], deposited_by="tests", created_at=created,
                           verified_at=verified_at, verified_ok=ok))


def test_hosting_metrics_say_what_the_rows_say(
    database: Database, make_tenant: TenantFactory, tmp_path: Path
) -> None:
    tenant = make_tenant()
    facts = timeline(database, tenant, tmp_path)  # good snapshot at T-2h, RPO 48 h
    now = utcnow()
    with database.transaction(scope=Scope.unrestricted()) as db:
        policy = db.get_one(BackupPolicy, facts.policy)
        subscription = str(policy.subscription_id)
        (copy,) = db.scalars(select(BackupRepository)
                             .where(BackupRepository.policy_id == facts.policy))
        provider = copy.provider.name
        # a later restore test that failed is the one that counts
        db.add(RestoreTest(tenant_id=tenant.id, repository_id=copy.id, state="failed",
                           error="checksum mismatch", mismatches=["patient.txt"],
                           started_at=T + timedelta(hours=1),
                           finished_at=T + timedelta(hours=1, seconds=3)))
        waiting = db.scalar(select(HostingRequest.created_at)
                            .where(HostingRequest.tenant_id == tenant.id,
                                   HostingRequest.state == "requested"))
        assert waiting is not None
    archived(facts, database, "ok.pdf", created=now - timedelta(days=10),
             verified_at=now - timedelta(days=1), ok=True)
    archived(facts, database, "damaged.pdf", created=now - timedelta(days=200),
             verified_at=now - timedelta(hours=3), ok=False)
    archived(facts, database, "old-unchecked.pdf", created=now - timedelta(days=100))
    archived(facts, database, "new-unchecked.pdf", created=now - timedelta(hours=1))

    samples = scrape(database)
    finess = tenant.finess
    the_copy = labels(finess=finess, subscription=subscription, copy="0", provider=provider)
    assert of(samples, "socle_backup_late") == {the_copy: 1.0}  # months after T
    assert of(samples, "socle_backup_last_success_timestamp_seconds") == {
        the_copy: (T - timedelta(hours=2)).timestamp()}
    assert of(samples, "socle_backup_rpo_seconds") == {the_copy: 48 * 3600.0}
    assert of(samples, "socle_backup_check_last_timestamp_seconds") == {
        the_copy: (T - timedelta(hours=1)).timestamp()}
    assert of(samples, "socle_backup_check_last_ok") == {the_copy: 1.0}
    assert of(samples, "socle_backup_check_damaged_packs") == {the_copy: 0.0}
    assert of(samples, "socle_backup_check_interval_seconds") == {the_copy: 86400.0}

    the_policy = labels(finess=finess, subscription=subscription)
    assert of(samples, "socle_backup_restore_test_last_timestamp_seconds") == {
        the_policy: (T + timedelta(hours=1, seconds=3)).timestamp()}
    assert of(samples, "socle_backup_restore_test_last_ok") == {the_policy: 0.0}
    assert of(samples, "socle_backup_restore_test_interval_seconds") == {
        the_policy: 7 * 86400.0}
    assert of(samples, "socle_backup_policy_created_timestamp_seconds") == {
        the_policy: SET_UP.timestamp()}

    the_plan = labels(finess=finess, plan=str(facts.plan))
    assert of(samples, "socle_dr_plan_created_timestamp_seconds") == {
        the_plan: SET_UP.timestamp()}
    assert of(samples, "socle_dr_exercise_last_timestamp_seconds") == {the_plan: T.timestamp()}
    assert of(samples, "socle_dr_exercise_last_objectives_met") == {the_plan: 1.0}

    assert of(samples, "socle_archive_documents") == {
        labels(finess=finess, state="ok"): 1.0,
        labels(finess=finess, state="damaged"): 1.0,
        labels(finess=finess, state="unchecked"): 2.0,
    }
    # 90 days by default: only the document deposited 100 days ago and never checked
    assert of(samples, "socle_archive_documents_check_overdue") == {labels(finess=finess): 1.0}

    # the factory's providers are certified through 2030-01-01
    expiry = of(samples, "socle_hosting_provider_certificate_expiry_timestamp_seconds")
    assert set(expiry.values()) == {datetime(2030, 1, 2, tzinfo=UTC).timestamp()}
    assert labels(provider=provider) in expiry

    requests = of(samples, "socle_hosting_requests")
    assert requests[labels(state="requested")] >= 1.0
    assert set(requests) >= {labels(state=s) for s in ("approved", "rejected", "active")}
    assert of(samples, "socle_hosting_request_oldest_waiting_timestamp_seconds") == {
        labels(): waiting.timestamp()}


def test_a_disabled_policy_leaves_the_backup_figures(
    database: Database, make_tenant: TenantFactory, tmp_path: Path
) -> None:
    facts = timeline(database, make_tenant(), tmp_path)
    assert of(scrape(database), "socle_backup_late")
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.get_one(BackupPolicy, facts.policy).enabled = False
    samples = scrape(database)
    for name in ("socle_backup_late", "socle_backup_restore_test_interval_seconds",
                 "socle_backup_restore_test_last_ok"):
        assert of(samples, name) == {}, name
    assert of(samples, "socle_dr_plan_created_timestamp_seconds")  # the PRA still counts
