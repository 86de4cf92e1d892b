"""Backup pages: each copy's RPO status and last integrity check, open alerts and
restore-test results, and the buttons that start a backup or a restore test (jobs
watched on their page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from starlette.responses import RedirectResponse

from controlplane.api.deps import Paging
from controlplane.api.pagination import page_of, paginate
from controlplane.console import Visitor, allowed, console_router, render
from controlplane.console.routing import error_page
from controlplane.db import utcnow
from controlplane.errors import InvalidInput
from hosting.backup import service
from hosting.backup.schemas import AlertRead, RestoreTestRead, RestoreTestStart
from hosting.console import labels

router = console_router()

Reader = Annotated[Visitor, allowed("hosting:read")]
Requester = Annotated[Visitor, allowed("hosting:request")]
PAGE_SIZE = 50
RECENT = 20


@router.get("/console/hosting/backups")
def backups(request: Request, visitor: Reader, offset: int = 0) -> Response:
    """Every copy the visitor sees with its last good snapshot against the RPO, the open
    alerts and the latest restore tests (with their measured RTO)."""
    paging = Paging(limit=PAGE_SIZE, offset=max(0, offset))
    with visitor.read() as db:
        rows, total = paginate(db, service.repository_query(), paging)
        copies = service.status_of(db, list(rows), utcnow())
        alerts = page_of(db, service.alert_query(), Paging(limit=RECENT, offset=0), AlertRead)
        tests = page_of(db, service.restore_test_query(), Paging(limit=RECENT, offset=0),
                        RestoreTestRead)
    late = sum(1 for copy in copies if copy.rpo_status.value != "ok")
    context = {
        "copies": copies, "total": total, "late": late, "alerts": alerts, "tests": tests,
        "offset": paging.offset, "page_size": PAGE_SIZE, "words": labels.BACKUP_WORDS,
        "subscriptions": sorted({copy.subscription_id for copy in copies}),
    }
    return render(request, "hosting/backups.html", context)


@router.post("/console/hosting/subscriptions/{subscription_id}/backup")
def start_backup(subscription_id: int, visitor: Requester) -> Response:
    """Back up the subscription now, to every copy; then the job's page."""
    with visitor.write() as db:
        job = service.start_backup(db, subscription_id, actor=visitor.principal.actor)
    return RedirectResponse(f"/console/jobs/{job.id}", status_code=303)


@router.post("/console/hosting/subscriptions/{subscription_id}/restore-test")
def start_restore_test(request: Request, subscription_id: int, visitor: Requester) -> Response:
    """Restore the latest snapshot of the first copy to scratch and verify it; the job."""
    try:
        with visitor.write() as db:
            job = service.start_restore_test(db, subscription_id, RestoreTestStart(),
                                             actor=visitor.principal.actor)
    except InvalidInput:
        return error_page(request, 422, "Cet abonnement n’a encore aucune sauvegarde réussie "
                          "à restaurer : lancez d’abord une sauvegarde.")
    return RedirectResponse(f"/console/jobs/{job.id}", status_code=303)
