"""``/api/v1/apps/services`` and ``/releases``: the catalogue (``apps:read``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from apps import errors
from apps.catalogue import service as catalogue
from apps.catalogue.schemas import ReleaseRead, ServiceRead, VersionRead
from apps.deployments import service as deployments
from apps.enrolments import service as enrolments
from controlplane.api.deps import DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, items_page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import Page

router = APIRouter()

Reader = Annotated[Principal, require("apps:read")]
Writer = Annotated[Principal, require("apps:write")]
CREATED = status.HTTP_201_CREATED
ACCEPTED = status.HTTP_202_ACCEPTED
GONE = {"status_code": status.HTTP_204_NO_CONTENT, "response_class": Response}
ServiceName = Annotated[str | None, Query(max_length=32, description="Service name.")]


def _service_read(service: catalogue.Service, tenants: list[str]) -> ServiceRead:
    return ServiceRead(
        **service.model_dump(mode="json", exclude={"versions"}),
        versions=[VersionRead(version=v.version, artifact=v.artifact, sha256=v.sha256)
                  for v in service.versions],
        tenants=tenants,
    )


def _enrolled(db: DbSession) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in db.scalars(enrolments.enrolment_query()).all():
        found.setdefault(row.service, []).append(row.tenant.finess)
    return found


# --- catalogue -----------------------------------------------------------------------


@router.get("/services", response_model=Page[ServiceRead], responses=EXPORT_RESPONSES)
def list_services(
    db: DbSession, paging: PageParams, caller: Reader, format: ExportQuery = ExportFormat.JSON,
) -> Page[ServiceRead] | Response:
    """The service catalogue, by name, with the establishments enrolled (an
    establishment sees only its own enrolments)."""
    enrolled = _enrolled(db)
    items = [_service_read(s, enrolled.get(n, []))
             for n, s in sorted(catalogue.current().services.items())]
    return items_page_or_export(items, paging, ServiceRead, format, title="Services régionaux")


@router.get("/services/{name}", response_model=ServiceRead)
def get_service(name: str, db: DbSession, caller: Reader) -> ServiceRead:
    """One service of the catalogue."""
    service = catalogue.current().get(name)
    if service is None:
        raise errors.not_found("service", name)
    return _service_read(service, _enrolled(db).get(name, []))


@router.get("/releases", response_model=Page[ReleaseRead], responses=EXPORT_RESPONSES)
def list_releases(
    db: DbSession, paging: PageParams, caller: Reader, service: ServiceName = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[ReleaseRead] | Response:
    """Every version of every service, with the targets running it."""
    running: dict[tuple[str, str], list[str]] = {}
    for instance in db.scalars(deployments.instance_query(service=service)).all():
        running.setdefault((instance.service, instance.version), []).append(instance.target.name)
    items = [
        ReleaseRead(service=name, version=v.version, sha256=v.sha256,
                    targets=running.get((name, v.version), []))
        for name, s in sorted(catalogue.current().services.items())
        if service in (None, name)
        for v in s.versions
    ]
    return items_page_or_export(items, paging, ReleaseRead, format,
                                title="Versions des services")
