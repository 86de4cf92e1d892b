"""``/api/v1/ssi/regional/heatmap``: establishments × HN / CaRE items for the RSSI
(``ssi:read``; an establishment's token sees its own row only), as JSON (paginated over
establishments) or exported whole as CSV, XLSX or PDF (``?format=``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from controlplane.api.deps import DbSession, PageParams, require
from controlplane.api.pagination import paginate
from controlplane.auth import Principal
from controlplane.db import utcnow
from ssi import regional
from ssi.as_of import AtQuery
from ssi.exports import EXPORT_RESPONSES, ExportFormat, respond
from ssi.regional import HeatmapRead
from ssi.tracker_schemas import ItemKind

router = APIRouter()

Reader = Annotated[Principal, require("ssi:read")]


@router.get("/regional/heatmap", response_model=HeatmapRead, responses=EXPORT_RESPONSES)
def heatmap(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    department: Annotated[str | None, Query(max_length=3, description="Only this department.")]
    = None,
    kind: Annotated[ItemKind | None, Query(description="Only usage or organisation.")] = None,
    framework: Annotated[str | None, Query(description="Only this framework.")] = None,
    at: AtQuery = None,
    format: Annotated[ExportFormat, Query(description="json, or an export.")] = ExportFormat.JSON,
) -> HeatmapRead | Response:
    """Each establishment's status on each tracked item, and its eligibility."""
    now = at or utcnow()
    columns = regional.columns(framework, kind)
    stmt = regional.tenant_query(department)
    if format is ExportFormat.JSON:
        tenants, total = paginate(db, stmt, paging)
        limit, offset = paging.limit, paging.offset
    else:
        tenants = list(db.scalars(stmt))
        total, limit, offset = len(tenants), len(tenants), 0
    rows = regional.rows(db, tenants, now=now, framework_id=framework, kind=kind)
    answer = HeatmapRead(at=now, columns=columns, items=rows, total=total, limit=limit,
                         offset=offset)
    if format is ExportFormat.JSON:
        return answer
    return respond(regional.table(answer, department=department, kind=kind), format)
