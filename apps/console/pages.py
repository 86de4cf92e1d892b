"""Apps pages: what :mod:`apps.console` routes (thin handlers over the plane's services,
read through the visitor's tenant-scoped session)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from starlette.responses import RedirectResponse

from apps import catalogue, deployments, store, targets
from apps.models import Deployment
from apps.schemas import DeploymentRead
from controlplane.api.deps import Paging
from controlplane.api.pagination import page_of
from controlplane.console import Visitor, allowed, console_router, render

router = console_router()

Reader = Annotated[Visitor, allowed("apps:read")]
Writer = Annotated[Visitor, allowed("apps:write")]
PAGE_SIZE = 50
STATES = {"queued": "En attente", "running": "En cours", "succeeded": "Réussi",
          "failed": "Échoué", "rolled-back": "Annulé (retour arrière)"}
BADGES = {"queued": "running", "running": "running", "succeeded": "ok", "failed": "breach",
          "rolled-back": "breach"}


@router.get("/console/apps")
def services(request: Request, visitor: Reader) -> Response:
    """The catalogue of regional services: versions, dependencies, who is enrolled (an
    establishment: whether it is)."""
    with visitor.read() as db:
        enrolled: dict[str, list[str]] = {}
        for row in db.scalars(targets.enrolment_query()):
            enrolled.setdefault(row.service, []).append(row.tenant.finess)
    found = sorted(catalogue.current().services.items())
    return render(request, "apps/services.html", {"services": found, "enrolled": enrolled})


@router.get("/console/apps/deployments")
def deployment_list(request: Request, visitor: Reader, offset: int = 0) -> Response:
    """Deployments, newest first, with their outcome and the rollback button."""
    paging = Paging(limit=PAGE_SIZE, offset=max(0, offset))
    with visitor.read() as db:
        page = page_of(db, deployments.deployment_query(), paging, DeploymentRead)
    context = {"page": page, "offset": paging.offset, "page_size": PAGE_SIZE,
               "states": STATES, "badges": BADGES}
    return render(request, "apps/deployments.html", context)


@router.post("/console/apps/deployments/{deployment_id}/rollback")
def rollback(deployment_id: int, visitor: Writer) -> Response:
    """Deploy again the versions the deployment replaced; the rollback's job page."""
    with visitor.write() as db:
        back = deployments.rollback(db, store.get(db, Deployment, deployment_id),
                                    actor=visitor.principal.actor)
        job_id = back.job_id
    return RedirectResponse(f"/console/jobs/{job_id}", status_code=303)
