"""``/api/v1/network/sla``: the monthly SLA report (JSON, or as a document: HTML with
charts, PDF, CSV at ``/sla/report``), its breaches and events, and the contracts.

Included in :mod:`network.api`'s router. Reads need ``network:read`` (an establishment
sees only its own circuits: the session is scoped); creating a contract needs
``network:write``. A malformed period, an inverted range or an unknown circuit or
provider is a 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from controlplane.api.deps import DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, items_page_or_export, page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import Page
from network.sla import contracts, events, report, report_render, service
from network.sla.report import ReportFormat, ReportGroup
from network.sla.schemas import (
    ContractCreate,
    ContractRead,
    GroupBy,
    Metric,
    SlaBreach,
    SlaEventRead,
    SlaReport,
)

router = APIRouter(prefix="/sla")

Reader = Annotated[Principal, require("network:read")]
Writer = Annotated[Principal, require("network:write")]
Month = Annotated[str, Query(max_length=7, description="A month as YYYY-MM (Europe/Paris).")]
CircuitRef = Annotated[str | None, Query(max_length=64, description="Circuit ref.")]
ProviderName = Annotated[str | None, Query(max_length=100, description="Provider name.")]


@router.get("", response_model=SlaReport)
def sla_report(
    period: Month,
    db: DbSession,
    caller: Reader,
    group_by: GroupBy = GroupBy.CIRCUIT,
    circuit: CircuitRef = None,
    provider: ProviderName = None,
) -> SlaReport:
    """The SLA of a calendar month (Europe/Paris) per circuit, provider or department:
    availability with maintenance windows excluded and unknown minutes reported apart,
    RTT/jitter p95, loss, breaches and penalties."""
    return service.report(db, period, group_by, circuit=circuit, provider=provider)


@router.get("/breaches", response_model=Page[SlaBreach], responses=EXPORT_RESPONSES)
def sla_breaches(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    first: Annotated[str, Query(alias="from", max_length=7, description="First month.")],
    last: Annotated[str, Query(alias="to", max_length=7, description="Last month.")],
    circuit: CircuitRef = None,
    provider: ProviderName = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[SlaBreach] | Response:
    """Contract targets missed from month `from` to month `to` (at most 24 months), by
    month then circuit."""
    found = service.breaches(db, first, last, circuit=circuit, provider=provider)
    return items_page_or_export(found, paging, SlaBreach, format, title="Dépassements de SLA")


@router.post("/contracts", status_code=status.HTTP_201_CREATED, response_model=ContractRead)
def create_contract(body: ContractCreate, db: DbSession, caller: Writer) -> ContractRead:
    """Record a provider's SLA contract for a class (409 if it has one)."""
    return ContractRead.model_validate(contracts.create_contract(db, body, actor=caller.actor))


@router.get("/contracts", response_model=Page[ContractRead], responses=EXPORT_RESPONSES)
def list_contracts(
    db: DbSession, paging: PageParams, caller: Reader, provider: ProviderName = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[ContractRead] | Response:
    """SLA contracts, by provider then class."""
    return page_or_export(db, contracts.contract_query(provider=provider), paging, ContractRead,
                          format, title="Contrats SLA")


@router.get("/events", response_model=Page[SlaEventRead], responses=EXPORT_RESPONSES)
def list_events(
    db: DbSession,
    paging: PageParams,
    caller: Reader,
    period: Annotated[str | None, Query(max_length=7, description="Month, YYYY-MM.")] = None,
    circuit: CircuitRef = None,
    metric: Annotated[Metric | None, Query(description="Only this metric.")] = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[SlaEventRead] | Response:
    """SLA-breach events Socle recorded (once per circuit, month and metric), newest
    month first."""
    stmt = events.event_query(period=period, circuit=circuit, metric=metric, db=db)
    return page_or_export(db, stmt, paging, SlaEventRead, format, title="Dépassements de SLA")


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
