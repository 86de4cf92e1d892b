"""Apps pages: what :mod:`apps.console` routes (thin handlers over the plane's services,
read through the visitor's tenant-scoped session)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from starlette.responses import RedirectResponse

from apps.catalogue import service as catalogue
from apps.deployments import service as deployments
from apps.deployments.flows import OBSERVE_JOB
from apps.deployments.models import Deployment
from apps.deployments.schemas import DeploymentRead, InstanceRead
from apps.enrolments import service as enrolments
from apps.errors import store
from apps.targets.inventory import accesses
from controlplane import jobs
from controlplane.api.deps import Paging
from controlplane.api.pagination import page_of
from controlplane.console import Visitor, allowed, console_router, render

router = console_router()

Reader = Annotated[Visitor, allowed("apps:read")]
Writer = Annotated[Visitor, allowed("apps:write")]
PAGE_SIZE = 50
STATES = {"queued": "En attente", "running": "En cours", "succeeded": "Réussi",
          "failed": "Échoué", "rolled_back": "Annulé (retour arrière)",
          "cancelled": "Interrompu à la demande"}
BADGES = {"queued": "running", "running": "running", "succeeded": "ok", "failed": "breach",
          "rolled_back": "breach", "cancelled": "unknown"}
HEALTH = {"healthy": ("ok", "Sain"), "unhealthy": ("breach", "En échec"),
          "unknown": ("unknown", "Inconnu")}


@router.get("/console/apps")
def services(request: Request, visitor: Reader) -> Response:
    """The catalogue of regional services: versions, dependencies, who is enrolled (an
    establishment: whether it is)."""
    with visitor.read() as db:
        enrolled: dict[str, list[str]] = {}
        for row in db.scalars(enrolments.enrolment_query()):
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


@router.get("/console/apps/instances")
def instance_list(request: Request, visitor: Reader) -> Response:
    """What runs where: version, health and drift of each instance, with its target's
    network site; operators ask for a drift check or a re-sync from here."""
    with visitor.read() as db:
        rows = list(db.scalars(deployments.instance_query()))
        access = accesses(db, [row.target for row in rows])
        found = [{"row": InstanceRead.model_validate(row), "site": row.target.site,
                  "access": access.get(row.target.name)} for row in rows]
    return render(request, "apps/instances.html", {"instances": found, "health": HEALTH})


@router.post("/console/apps/instances/observe")
def observe(visitor: Writer) -> Response:
    """Read what runs on the targets (a job); its page."""
    with visitor.write() as db:
        job = jobs.enqueue(db, kind=OBSERVE_JOB, params={}, actor=visitor.principal.actor)
        job_id = job.id
    return RedirectResponse(f"/console/jobs/{job_id}", status_code=303)


@router.post("/console/apps/instances/resync")
def resync(visitor: Writer) -> Response:
    """Deploy drifted instances back to what they should run; the deployments page."""
    with visitor.write() as db:
        deployments.resync(db, actor=visitor.principal.actor)
    return RedirectResponse("/console/apps/deployments", status_code=303)
