"""``/api/v1/apps/enrolments``: establishments' enrolments in services (an
establishment sees its own; writes need ``apps:write``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from apps.enrolments import service as enrolments
from apps.enrolments.models import Enrolment
from apps.enrolments.schemas import EnrolmentCreate, EnrolmentRead, EnrolmentUpdate
from apps.errors import store
from controlplane.api.deps import DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import Page, RowId

router = APIRouter()

Reader = Annotated[Principal, require("apps:read")]
Writer = Annotated[Principal, require("apps:write")]
CREATED = status.HTTP_201_CREATED
GONE = {"status_code": status.HTTP_204_NO_CONTENT, "response_class": Response}
ServiceName = Annotated[str | None, Query(max_length=32, description="Service name.")]



@router.post("/enrolments", status_code=CREATED, response_model=EnrolmentRead)
def create_enrolment(body: EnrolmentCreate, db: DbSession, caller: Writer) -> EnrolmentRead:
    """Enrol an establishment in a service with its settings (checked against the
    service's schema); they are rendered into the configuration at the next deployment."""
    return EnrolmentRead.model_validate(enrolments.enrol(db, body, actor=caller.actor))


@router.get("/enrolments", response_model=Page[EnrolmentRead], responses=EXPORT_RESPONSES)
def list_enrolments(
    db: DbSession, paging: PageParams, caller: Reader, service: ServiceName = None,
    format: ExportQuery = ExportFormat.JSON,
) -> Page[EnrolmentRead] | Response:
    """Enrolments (an establishment: its own)."""
    return page_or_export(db, enrolments.enrolment_query(service=service), paging, EnrolmentRead,
                          format, title="Adhésions aux services")


@router.get("/enrolments/{enrolment_id}", response_model=EnrolmentRead)
def get_enrolment(enrolment_id: RowId, db: DbSession, caller: Reader) -> EnrolmentRead:
    """One enrolment (404 if another tenant's)."""
    return EnrolmentRead.model_validate(store.get(db, Enrolment, enrolment_id))


@router.patch("/enrolments/{enrolment_id}", response_model=EnrolmentRead)
def update_enrolment(enrolment_id: RowId, body: EnrolmentUpdate, db: DbSession,
                     caller: Writer) -> EnrolmentRead:
    """Replace an enrolment's settings; running instances show as out of date (drift)
    until the service is deployed again."""
    enrolment = store.get(db, Enrolment, enrolment_id)
    return EnrolmentRead.model_validate(
        enrolments.update_enrolment(db, enrolment, body, actor=caller.actor))


@router.delete("/enrolments/{enrolment_id}", **GONE)
def delete_enrolment(enrolment_id: RowId, db: DbSession, caller: Writer) -> None:
    """End an establishment's use of a service (out of the configuration at the next
    deployment)."""
    enrolments.delete_enrolment(db, store.get(db, Enrolment, enrolment_id), actor=caller.actor)
