"""``/api/v1/ssi/tenants/{finess}/check-targets`` and ``.../checks``: technical checks of
an establishment's Internet-facing endpoints.

Declaring an endpoint needs ``ssi:answer``; running checks needs ``ssi:write`` (RSSI,
operators: a check connects to the declared hosts); reading needs ``ssi:read``. An
establishment only ever sees its own (another FINESS answers 404). A declared host must
be a public address or a name resolving only to public addresses (422 ``SSI-0704``
otherwise, unless ``SOCLE_SSI_CHECKS_ALLOW_PRIVATE_TARGETS`` allows its network): the
checks measure Internet exposure, and must not scan the GCS's own network for an
establishment.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from controlplane import tenants
from controlplane.api.deps import DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, page_of, page_or_export, rows_to_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat, Table, respond
from controlplane.schemas import JobAccepted, JobSummary, Page
from ssi.checks import service
from ssi.checks.schemas import CheckRun, ResultRead, TargetCreate, TargetRead

router = APIRouter()

Reader = Annotated[Principal, require("ssi:read")]
Answerer = Annotated[Principal, require("ssi:answer")]
Writer = Annotated[Principal, require("ssi:write")]


@router.post("/tenants/{finess}/check-targets", status_code=status.HTTP_201_CREATED,
             response_model=TargetRead)
def create_target(finess: str, body: TargetCreate, db: DbSession, caller: Answerer) -> TargetRead:
    """Declare an endpoint to check (409 if the name is taken; 422 if the host is not a
    public address nor a name resolving only to public addresses)."""
    tenant = tenants.get_by_finess(db, finess)
    return TargetRead.model_validate(service.create_target(db, tenant, body, actor=caller.actor))


@router.post("/tenants/{finess}/check-targets/discover", response_model=list[TargetRead])
def discover_targets(finess: str, db: DbSession, caller: Writer) -> list[TargetRead]:
    """Declare the establishment's routers known to the network plane (management
    address, SSH audit); answers the endpoints created (none when all were declared)."""
    tenant = tenants.get_by_finess(db, finess)
    return [TargetRead.model_validate(t)
            for t in service.discover_targets(db, tenant, actor=caller.actor)]


@router.get("/tenants/{finess}/check-targets", response_model=Page[TargetRead],
            responses=EXPORT_RESPONSES)
def list_targets(
    finess: str, db: DbSession, paging: PageParams, caller: Reader,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[TargetRead] | Response:
    """The establishment's declared endpoints, by name."""
    tenant = tenants.get_by_finess(db, finess)
    return page_or_export(db, service.target_query(tenant), paging, TargetRead, format,
                          title="Points d'accès déclarés")


@router.post("/tenants/{finess}/checks", status_code=status.HTTP_202_ACCEPTED,
             response_model=JobAccepted)
def run_checks(finess: str, body: CheckRun, db: DbSession, caller: Writer) -> JobAccepted:
    """Check the establishment's endpoints (all, or those named) in a job."""
    tenant = tenants.get_by_finess(db, finess)
    job = service.enqueue_checks(db, tenant, body, actor=caller.actor)
    return JobAccepted(job=JobSummary.model_validate(job))


@router.get("/tenants/{finess}/checks", response_model=Page[ResultRead],
            responses=EXPORT_RESPONSES)
def list_results(
    finess: str, db: DbSession, paging: PageParams, caller: Reader,
    target: Annotated[str | None, Query(description="Only this endpoint.")] = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[ResultRead] | Response:
    """The establishment's check results, newest first, with their findings (an export:
    every result, not one page)."""
    tenant = tenants.get_by_finess(db, finess)
    stmt = service.result_query(tenant, target)
    if format is ExportFormat.JSON:
        return page_of(db, stmt, paging, ResultRead)
    results = [ResultRead.model_validate(r) for r in rows_to_export(db, stmt)]
    return respond(_table(tenant.finess, results), format)


def _table(finess: str, results: list[ResultRead]) -> Table:
    return Table(
        title=f"Contrôles techniques de l'établissement {finess}",
        subtitle=f"{len(results)} contrôle(s), du plus récent au plus ancien.",
        header=["Contrôlé le", "Point d'accès", "Hôte", "Résultat", "Ports ouverts", "Constats"],
        rows=[
            [r.checked_at, r.target, r.host, "réussi" if r.passed else "en échec",
             " ".join(str(p) for p in r.open_ports),
             "; ".join(f"[{f['severity']}] {f['check']}/{f['port']} : {f['message']}"
                       for f in r.findings)]
            for r in results
        ],
        filename=f"controles-{finess}",
    )
