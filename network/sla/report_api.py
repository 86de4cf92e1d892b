"""``GET /api/v1/network/sla/report``: the monthly SLA report as a document (HTML with
charts, PDF, CSV), per provider or per department.

Included in :mod:`network.api`'s router. Needs ``network:read``; an establishment's
report holds its own circuits only (the session is scoped). A malformed month, an
inverted range, an unknown provider or format is a 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from controlplane.api.deps import DbSession, require
from controlplane.auth import Principal
from network.sla import report, report_render
from network.sla.report import ReportFormat, ReportGroup

router = APIRouter(prefix="/sla")

Reader = Annotated[Principal, require("network:read")]
DOCUMENTS = {media.split(";")[0]: {} for media in report_render.MEDIA_TYPES.values()}


@router.get("/report", response_class=Response,
            responses={200: {"content": DOCUMENTS, "description": "The report."}})
def sla_report_document(
    period: Annotated[str, Query(max_length=7, description="Month as YYYY-MM (Europe/Paris).")],
    db: DbSession,
    caller: Reader,
    group_by: ReportGroup = ReportGroup.PROVIDER,
    fmt: Annotated[ReportFormat, Query(alias="format")] = ReportFormat.HTML,
    to: Annotated[str | None, Query(max_length=7, description="Last month (a range).")] = None,
    provider: Annotated[str | None, Query(max_length=100, description="Provider name.")] = None,
) -> Response:
    """The monthly SLA report per provider or per department as HTML (with charts), PDF
    or CSV; with `to`, one section per month. Minutes without samples are shown apart."""
    found = report.build(db, period, to=to, group_by=group_by, provider=provider)
    name = report_render.filename(found, fmt)
    return Response(report_render.render(found, fmt), media_type=report_render.MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'inline; filename="{name}"'})
