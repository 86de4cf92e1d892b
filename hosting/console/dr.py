"""PRA pages: each subscription's disaster-recovery plan with its RTO/RPO objectives,
the exercises with what they achieved, and the button that starts an exercise."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from starlette.responses import RedirectResponse

from controlplane.api.deps import Paging
from controlplane.api.pagination import page_of
from controlplane.console import Visitor, allowed, console_router, render
from hosting.dr import flows
from hosting.dr import service as dr
from hosting.dr.models import DrPlan
from hosting.dr.schemas import DrExerciseRead, DrPlanRead
from hosting.errors import store

router = console_router()

Reader = Annotated[Visitor, allowed("hosting:read")]
Writer = Annotated[Visitor, allowed("hosting:write")]
PAGE_SIZE = 50
EXERCISE_STATES = {"running": "En cours", "succeeded": "Réussi", "failed": "Échoué"}


@router.get("/console/hosting/dr")
def plans(request: Request, visitor: Reader, offset: int = 0) -> Response:
    """PRA the visitor sees, each with its latest exercise, then the recent exercises."""
    paging = Paging(limit=PAGE_SIZE, offset=max(0, offset))
    with visitor.read() as db:
        found = page_of(db, dr.plan_query(), paging, DrPlanRead)
        exercises = page_of(db, flows.exercise_query(), Paging(limit=PAGE_SIZE, offset=0),
                            DrExerciseRead)
    latest: dict[int, DrExerciseRead] = {}
    for exercise in exercises.items:  # newest first: the first seen per plan is its latest
        latest.setdefault(exercise.plan_id, exercise)
    context = {"plans": found, "exercises": exercises, "latest": latest,
               "states": EXERCISE_STATES, "offset": paging.offset, "page_size": PAGE_SIZE}
    return render(request, "hosting/dr.html", context)


@router.post("/console/hosting/dr/{plan_id}/exercise")
def exercise(plan_id: int, visitor: Writer) -> Response:
    """Start an exercise (restore at the secondary, start, probe, tear down); its job."""
    with visitor.write() as db:
        _, job = flows.start_exercise(db, store.get(db, DrPlan, plan_id),
                                            actor=visitor.principal.actor)
    return RedirectResponse(f"/console/jobs/{job.id}", status_code=303)
