"""Periodic schedules: ``/api/v1/schedules`` (their timing and where they stand)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from controlplane import schedule
from controlplane.api.deps import API_PREFIX, PageParams, database, require
from controlplane.api.pagination import ExportQuery, items_page_or_export
from controlplane.api.problems import PROBLEM_RESPONSES
from controlplane.auth import Principal, Role
from controlplane.db import Database
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schedule import ScheduleRead
from controlplane.schemas import Page

router = APIRouter(prefix=f"{API_PREFIX}/schedules", tags=["jobs"],
                   responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[ScheduleRead], responses=EXPORT_RESPONSES)
def list_schedules(
    request: Request,
    db: Annotated[Database, Depends(database)],
    paging: PageParams,
    caller: Annotated[Principal, require("jobs:read")],
    format: ExportQuery = ExportFormat.JSON,
) -> Page[ScheduleRead] | Response:
    """The periodic schedules: timing, last and next run, last result or error.

    They are regional work: an establishment sees when they ran, not what they queued
    (results and errors may name other establishments' jobs).
    """
    settings = request.app.state.settings
    views = schedule.describe(db, schedule.plane_schedules(settings), settings)
    if caller.role is Role.ESTABLISHMENT:
        views = [v.model_copy(update={"last_result": None, "last_error": None}) for v in views]
    return items_page_or_export(views, paging, ScheduleRead, format, title="Tâches périodiques")
