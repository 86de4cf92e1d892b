"""Backups in the hosting API: policies, backup and restore-test jobs, supervision.

``PUT/GET /hosting/subscriptions/{id}/backup-policy`` (operators write, readers read);
``POST /hosting/subscriptions/{id}/backup|retention|restore-test|check`` → 202 job (an
establishment may start them on its own subscriptions); ``GET /hosting/backups`` (each
copy's RPO status and last integrity check), ``/hosting/backups/runs``,
``/restore-tests``, ``/checks``, ``/alerts``;
``POST /hosting/backups/schedule`` runs the scheduler's tick now (operators);
``POST /hosting/tenants/{finess}/backup-key/rotate`` → 202 job rotates a tenant's
restic password on every repository (operators).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from controlplane.api.deps import DbSession, PageParams, TenantFiness, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.db import utcnow
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.models import Job
from controlplane.schemas import JobAccepted, JobSummary, Page, RowId
from hosting.backup import flows, policies, rotation, service
from hosting.backup.schemas import (
    AlertRead,
    BackupStatusRead,
    CheckRead,
    CheckStart,
    PolicyRead,
    PolicySet,
    RestoreTestRead,
    RestoreTestStart,
    RunRead,
)
from hosting.errors import store
from hosting.subscriptions.models import Subscription

router = APIRouter()

Reader = Annotated[Principal, require("hosting:read")]
Requester = Annotated[Principal, require("hosting:request")]
Writer = Annotated[Principal, require("hosting:write")]
ACCEPTED = status.HTTP_202_ACCEPTED


def _accepted(job: Job) -> JobAccepted:
    return JobAccepted(job=JobSummary.model_validate(job))


@router.put("/subscriptions/{subscription_id}/backup-policy", response_model=PolicyRead)
def set_policy(subscription_id: RowId, body: PolicySet, db: DbSession,
               caller: Writer) -> PolicyRead:
    """Say what to back up and where restic runs (the tier gives frequency, RPO...)."""
    subscription = store.get(db, Subscription, subscription_id)
    return PolicyRead.model_validate(
        policies.configure(db, subscription, body, actor=caller.actor))


@router.get("/subscriptions/{subscription_id}/backup-policy", response_model=PolicyRead)
def get_policy(subscription_id: RowId, db: DbSession, caller: Reader) -> PolicyRead:
    """The subscription's backup policy and its copies."""
    return PolicyRead.model_validate(policies.policy_of(db, subscription_id))


@router.post("/subscriptions/{subscription_id}/backup", status_code=ACCEPTED,
             response_model=JobAccepted)
def backup(subscription_id: RowId, db: DbSession, caller: Requester) -> JobAccepted:
    """Back up now, to every copy: the job to follow."""
    return _accepted(service.start_backup(db, subscription_id, actor=caller.actor))


@router.post("/subscriptions/{subscription_id}/retention", status_code=ACCEPTED,
             response_model=JobAccepted)
def retention(subscription_id: RowId, db: DbSession, caller: Requester) -> JobAccepted:
    """Apply the tier's retention now (``forget --prune`` per copy): the job to follow."""
    return _accepted(service.start_retention(db, subscription_id, actor=caller.actor))


@router.post("/subscriptions/{subscription_id}/restore-test", status_code=ACCEPTED,
             response_model=JobAccepted)
def restore_test(subscription_id: RowId, db: DbSession, caller: Requester,
                 body: RestoreTestStart | None = None) -> JobAccepted:
    """Restore a snapshot (latest by default) to scratch and verify it: the job."""
    return _accepted(service.start_restore_test(db, subscription_id,
                                                body or RestoreTestStart(), actor=caller.actor))


@router.post("/subscriptions/{subscription_id}/check", status_code=ACCEPTED,
             response_model=JobAccepted)
def check(subscription_id: RowId, db: DbSession, caller: Requester,
          body: CheckStart | None = None) -> JobAccepted:
    """Check every copy's integrity now (``restic check``, a share of the data read): the
    job."""
    return _accepted(service.start_check(db, subscription_id, body or CheckStart(),
                                         actor=caller.actor))


@router.get("/backups", response_model=Page[BackupStatusRead], responses=EXPORT_RESPONSES)
def list_backups(
    db: DbSession, paging: PageParams, caller: Reader, tenant: TenantFiness = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[BackupStatusRead] | Response:
    """Every copy with its last good snapshot, RPO status (ok / late) and last integrity
    check."""
    return page_or_export(db, service.repository_query(tenant=tenant), paging, BackupStatusRead,
                          format, title="Copies de sauvegarde",
                          show=lambda db, rows: service.status_of(db, rows, utcnow()))


@router.get("/backups/runs", response_model=Page[RunRead], responses=EXPORT_RESPONSES)
def list_runs(
    db: DbSession, paging: PageParams, caller: Reader, tenant: TenantFiness = None,
    subscription_id: Annotated[RowId | None, Query()] = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[RunRead] | Response:
    """Backup and retention runs, newest first."""
    query = service.run_query(subscription_id=subscription_id, tenant=tenant)
    return page_or_export(db, query, paging, RunRead, format, title="Sauvegardes exécutées")


@router.get("/backups/restore-tests", response_model=Page[RestoreTestRead],
            responses=EXPORT_RESPONSES)
def list_restore_tests(
    db: DbSession, paging: PageParams, caller: Reader, tenant: TenantFiness = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[RestoreTestRead] | Response:
    """Restore tests, newest first, with their measured RTO."""
    return page_or_export(db, service.restore_test_query(tenant=tenant), paging, RestoreTestRead,
                          format, title="Tests de restauration")


@router.get("/backups/checks", response_model=Page[CheckRead], responses=EXPORT_RESPONSES)
def list_checks(
    db: DbSession, paging: PageParams, caller: Reader, tenant: TenantFiness = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[CheckRead] | Response:
    """Integrity checks of the copies, newest first, with the packs found damaged."""
    return page_or_export(db, service.check_query(tenant=tenant), paging, CheckRead, format,
                          title="Vérifications d'intégrité")


@router.get("/backups/alerts", response_model=Page[AlertRead], responses=EXPORT_RESPONSES)
def list_alerts(
    db: DbSession, paging: PageParams, caller: Reader, tenant: TenantFiness = None,
    all_alerts: Annotated[bool, Query(alias="all")] = False,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[AlertRead] | Response:
    """Open backup alerts (late, failed, restore-failed, check-failed); ``all=true``
    includes closed ones."""
    query = service.alert_query(open_only=not all_alerts, tenant=tenant)
    return page_or_export(db, query, paging, AlertRead, format, title="Alertes de sauvegarde")


@router.post("/backups/schedule")
def schedule(db: DbSession, caller: Writer) -> dict[str, Any]:
    """Run the scheduler's tick now: queue what is due, raise late alerts."""
    return flows.tick(db, now=utcnow(), actor=caller.actor)


@router.post("/tenants/{finess}/backup-key/rotate", status_code=ACCEPTED,
             response_model=JobAccepted)
def rotate_key(finess: str, db: DbSession, caller: Writer) -> JobAccepted:
    """Rotate the establishment's restic password on every repository: the job to follow
    (409 without a backup policy; a rotation already under way is answered)."""
    return _accepted(rotation.start_rotation(db, finess, actor=caller.actor))
