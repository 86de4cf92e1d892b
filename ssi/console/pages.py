"""SSI pages: what :mod:`ssi.console` routes (thin handlers over the plane's services,
read through the visitor's tenant-scoped session)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from controlplane import charts
from controlplane.api.deps import Paging
from controlplane.api.pagination import page_of, paginate
from controlplane.console import Visitor, allowed, console_router, render
from controlplane.db import utcnow
from controlplane.errors import InvalidInput
from ssi.campaigns import service as campaigns
from ssi.campaigns.models import Assessment
from ssi.campaigns.schemas import AnswersUpdate, AssessmentRead, CampaignRead
from ssi.console.answers import NOT_APPLICABLE, PREFIX, read_answers, refusals
from ssi.errors import store
from ssi.tracker import regional
from ssi.tracker.indicators import Status, label

router = console_router()

Reader = Annotated[Visitor, allowed("ssi:read")]
Answerer = Annotated[Visitor, allowed("ssi:answer")]
PAGE_SIZE = 50
# A heatmap cell's score for the colour scale, and its short text (the legend says more).
CELL_SCORES = {Status.MET: 1.0, Status.EXPIRED: 0.35, Status.NOT_MET: 0.0, Status.UNKNOWN: None}
CELL_TEXTS = {Status.MET: "oui", Status.EXPIRED: "expiré", Status.NOT_MET: "non",
              Status.UNKNOWN: "?"}


@router.get("/console/ssi")
def diagnostic(request: Request, visitor: Reader, offset: int = 0) -> Response:
    """Campaigns of the diagnostic flash (an establishment: those it takes part in) and the
    assessments the visitor sees."""
    paging = Paging(limit=PAGE_SIZE, offset=max(0, offset))
    with visitor.read() as db:
        found = page_of(db, campaigns.campaign_query(db), Paging(limit=20, offset=0), CampaignRead)
        assessments = page_of(db, campaigns.assessment_query(), paging, AssessmentRead)
    context = {"campaigns": found, "assessments": assessments, "offset": paging.offset,
               "page_size": PAGE_SIZE}
    return render(request, "ssi/diagnostic.html", context)


def _assessment_page(request: Request, visitor: Visitor, assessment_id: int, *,
                     values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                     general: list[str] | None = None, saved: str = "",
                     status: int = 200) -> Response:
    with visitor.read() as db:
        row = store.get(db, Assessment, assessment_id)
        detail = campaigns.detail(db, row)
        checklist = campaigns.checklist_of(row.campaign)
    chart = charts.bar_chart(
        [charts.Bar(c.title, c.score) for c in detail.chapters],
        title=f"Score par chapitre, {detail.tenant_name}", unit="/100", digits=1, x_max=100,
    )
    context = {
        "a": detail, "checklist": checklist, "chart": chart, "prefix": PREFIX,
        "na": NOT_APPLICABLE, "values": {**detail.answers, **(values or {})},
        "errors": errors or {}, "general": general or [], "saved": saved,
        "editable": detail.state.value == "open" and visitor.can("ssi:answer"),
        "group_size": campaigns.min_group_size(),
    }
    return render(request, "ssi/assessment.html", context, status=status)


@router.get("/console/ssi/assessments/{assessment_id}")
def assessment(request: Request, assessment_id: int, visitor: Reader,
               saved: str = "") -> Response:
    """An assessment (404 page if another tenant's): the answering form while open, the
    score by chapter, and the establishment's place in the region once submitted (withheld
    from an establishment while too few establishments have submitted)."""
    return _assessment_page(request, visitor, assessment_id, saved=saved)


@router.post("/console/ssi/assessments/{assessment_id}")
async def answer(request: Request, assessment_id: int, visitor: Answerer) -> Response:
    """Save the answers (all valid or none kept); with ``action=submit``, then submit.
    (The form's field names depend on the checklist, so it is read here; the database
    work runs in the thread pool.)"""
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_record_answers, request, assessment_id, visitor, form)


def _record_answers(request: Request, assessment_id: int, visitor: Visitor,
                    form: dict[str, str]) -> Response:
    answers, errors = read_answers(form)
    if errors:
        return _assessment_page(request, visitor, assessment_id, values=answers, errors=errors,
                                general=["Certaines réponses sont invalides."], status=422)
    submitting = form.get("action") == "submit"
    try:
        with visitor.write() as db:
            row = store.get(db, Assessment, assessment_id)
            campaigns.answer(db, row, AnswersUpdate(answers=answers),
                             actor=visitor.principal.actor)
        if submitting:
            with visitor.write() as db:
                row = store.get(db, Assessment, assessment_id)
                campaigns.submit(db, row, actor=visitor.principal.actor)
    except InvalidInput as exc:
        per_question, general = refusals(exc)
        return _assessment_page(request, visitor, assessment_id, values=answers,
                                errors=per_question, general=general,
                                saved="" if not submitting else "answers", status=422)
    outcome = "submitted" if submitting else "answers"
    return RedirectResponse(f"/console/ssi/assessments/{assessment_id}?saved={outcome}",
                            status_code=303)


@router.get("/console/ssi/heatmap")
def heatmap(request: Request, visitor: Reader, department: str = "", kind: str = "",
            offset: int = 0) -> Response:
    """Establishments × HN / CaRE items, coloured by status, with eligibility."""
    filters = {"department": department.strip().upper()[:3],
               "kind": kind if kind in ("usage", "organisation") else ""}
    paging = Paging(limit=PAGE_SIZE, offset=max(0, offset))
    columns = regional.columns(None, filters["kind"] or None)
    with visitor.read() as db:
        tenants, total = paginate(db, regional.tenant_query(filters["department"] or None),
                                  paging)
        rows = regional.rows(db, tenants, now=utcnow(), kind=filters["kind"] or None)
    chart = charts.heatmap(
        [f"{row.name} ({row.department})" for row in rows],
        [column.id for column in columns],
        [[CELL_SCORES[Status(cell)] for cell in row.cells] for row in rows],
        labels=[[CELL_TEXTS[Status(cell)] for cell in row.cells] for row in rows],
        title="Carte régionale des prérequis HN et CaRE",
    ) if rows and columns else None
    context = {
        "chart": chart, "rows": rows, "columns": columns, "filters": filters, "total": total,
        "offset": paging.offset, "page_size": PAGE_SIZE, "label": label,
        "programmes": sorted({c.framework for c in columns}),
    }
    return render(request, "ssi/heatmap.html", context)
