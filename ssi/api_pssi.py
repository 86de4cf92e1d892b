"""``GET /api/v1/ssi/tenants/{finess}/pssi``: an establishment's PSSI draft (HTML or PDF).

``ssi:read``; an establishment gets its own only (another's is a 404).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from controlplane.api.deps import DbSession, require
from controlplane.auth import Principal
from controlplane.db import utcnow
from ssi import pssi

router = APIRouter()

Reader = Annotated[Principal, require("ssi:read")]


class PssiFormat(StrEnum):
    """How the draft is delivered."""

    HTML = "html"
    PDF = "pdf"


@router.get(
    "/tenants/{finess}/pssi",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
def pssi_draft(
    finess: str,
    db: DbSession,
    caller: Reader,
    format: Annotated[PssiFormat, Query(description="html or pdf.")] = PssiFormat.HTML,
    version: Annotated[str | None, Query(description="Skeleton version (default latest).")] = None,
) -> Response:
    """The establishment's PSSI draft: the PGSSI-S skeleton, its context, its decisions."""
    ctx = pssi.context(db, finess, today=utcnow().date(), version=version)
    if format is PssiFormat.PDF:
        return Response(
            pssi.render_pdf(ctx),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="pssi-{ctx.tenant.finess}.pdf"'},
        )
    return HTMLResponse(pssi.render_html(ctx))
