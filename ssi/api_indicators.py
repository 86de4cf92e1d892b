"""``/api/v1/ssi/tenants/{finess}/indicators``: the HN / CaRE tracker of one establishment.

Reading needs ``ssi:read`` (an establishment sees its own only: another FINESS answers
404); declaring a value needs ``ssi:answer``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from controlplane import tenants
from controlplane.api.deps import DbSession, require
from controlplane.auth import Principal
from controlplane.db import utcnow
from ssi import tracker
from ssi.as_of import AtQuery
from ssi.exports import EXPORT_RESPONSES, ExportFormat, respond
from ssi.tracker_schemas import DeclarationRead, DeclarationWrite, ItemKind, TrackerRead

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
