"""EBIOS RM studies (the risk matrices before and after treatment, as SVG heatmaps) and
the PSSI draft download, for the RSSI and each establishment (its own only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from controlplane import charts
from controlplane.api.deps import Paging
from controlplane.api.pagination import page_of
from controlplane.console import Visitor, allowed, console_router, render
from controlplane.db import utcnow
from ssi.errors import store
from ssi.pssi import service as pssi
from ssi.risks import service as risks
from ssi.risks.models import RiskStudy
from ssi.risks.schemas import StudySummary

router = console_router()

Reader = Annotated[Visitor, allowed("ssi:read")]
PAGE_SIZE = 50
# A level's place on the colour scale (1 best); the matrix shows severity 4 at the top.
LEVEL_SCORES = {"faible": 1.0, "moyen": 0.6, "élevé": 0.0}
SEVERITIES = (4, 3, 2, 1)
LIKELIHOODS = (1, 2, 3, 4)


def matrix_chart(grid: list[list[list[str]]], title: str) -> Markup:
    """A 4×4 matrix (``grid[severity-1][likelihood-1]`` = scenario ids) as a heatmap
    coloured by the cell's risk level, each cell listing its scenarios."""
    return charts.heatmap(
        [f"Gravité {g}" for g in SEVERITIES],
        [f"V{v}" for v in LIKELIHOODS],
        [[LEVEL_SCORES[risks.level(g, v)] for v in LIKELIHOODS] for g in SEVERITIES],
        labels=[[", ".join(grid[g - 1][v - 1]) or "·" for v in LIKELIHOODS] for g in SEVERITIES],
        title=title, cell=96, row_label_width=110,
    )


@router.get("/console/ssi/risks")
def studies(request: Request, visitor: Reader, offset: int = 0) -> Response:
    """Risk studies the visitor sees, most recently updated first."""
    paging = Paging(limit=PAGE_SIZE, offset=max(0, offset))
    with visitor.read() as db:
        page = page_of(db, risks.study_query(), paging, StudySummary)
    return render(request, "ssi/risks.html", {"page": page, "offset": paging.offset,
                                              "page_size": PAGE_SIZE})


@router.get("/console/ssi/risks/{study_id}")
def study(request: Request, study_id: int, visitor: Reader) -> Response:
    """A study (404 page if another tenant's): its risks and both matrices."""
    with visitor.read() as db:
        found = risks.read(store.get(db, RiskStudy, study_id), today=utcnow().date())
    context = {
        "study": found,
        "initial": matrix_chart(found.analysis.matrix, f"Risques initiaux, {found.title}"),
        "residual": matrix_chart(found.analysis.residual_matrix,
                                 f"Risques résiduels, {found.title}"),
    }
    return render(request, "ssi/risk.html", context)


@router.get("/console/ssi/pssi/{finess}")
def pssi_draft(finess: str, visitor: Reader, format: str = "pdf") -> Response:
    """The establishment's PSSI draft as a file (PDF, or HTML with ``format=html``);
    404 page for an establishment the visitor cannot see."""
    with visitor.read() as db:
        ctx = pssi.context(db, finess, today=utcnow().date())
    name = f"pssi-{ctx.tenant.finess}"
    if format == "html":
        return HTMLResponse(pssi.render_html(ctx), headers={
            "Content-Disposition": f'attachment; filename="{name}.html"'})
    return Response(pssi.render_pdf(ctx), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})
