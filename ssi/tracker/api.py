"""``/api/v1/ssi/tenants/{finess}/indicators`` (the HN / CaRE tracker of one
establishment) and ``/api/v1/ssi/regional/heatmap`` (establishments × items for the
RSSI).

Reads need ``ssi:read`` (an establishment sees only its own standing); declaring an
indicator needs ``ssi:answer``. ``?format=csv|xlsx|pdf`` answers with a file.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from controlplane import tenants
from controlplane.api.deps import DbSession, PageParams, require
from controlplane.api.pagination import paginate
from controlplane.auth import Principal
from controlplane.db import utcnow
from controlplane.exports import EXPORT_RESPONSES, ExportFormat, respond
from ssi.tracker import regional
from ssi.tracker import service as tracker
from ssi.tracker.as_of import AtQuery
from ssi.tracker.regional import HeatmapRead
from ssi.tracker.schemas import DeclarationRead, DeclarationWrite, ItemKind, TrackerRead

router = APIRouter()

Reader = Annotated[Principal, require("ssi:read")]
Answerer = Annotated[Principal, require("ssi:answer")]


@router.get("/tenants/{finess}/indicators", response_model=TrackerRead, responses=EXPORT_RESPONSES)
def get_indicators(
    finess: str,
    db: DbSession,
    caller: Reader,
    framework: Annotated[str | None, Query(description="Only this framework.")] = None,
    kind: Annotated[ItemKind | None, Query(description="Only usage or organisation.")] = None,
    at: AtQuery = None,
    format: Annotated[ExportFormat, Query(description="json, or an export.")] = ExportFormat.JSON,
) -> TrackerRead | Response:
    """Every HN / CaRE item of the establishment: status, declaration, automatic evidence
    (value, source, date, expiry), and each programme's eligibility."""
    tenant = tenants.get_by_finess(db, finess)
    tracked = tracker.track(db, tenant, now=at or utcnow(), framework_id=framework, kind=kind)
    if format is ExportFormat.JSON:
        return tracked
    return respond(tracker.table(tracked, tenant), format)


@router.put("/tenants/{finess}/indicators/{framework}/{item_id}", response_model=DeclarationRead)
def declare_indicator(
    finess: str, framework: str, item_id: str, body: DeclarationWrite, db: DbSession,
    caller: Answerer,
) -> DeclarationRead:
    """Declare the establishment's value for one item, with a note on what backs it."""
    tenant = tenants.get_by_finess(db, finess)
    return tracker.declare(db, tenant, framework, item_id, body, actor=caller.actor)


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
