"""``GET /api/v1/ssi/tenants/{finess}/pssi``: an establishment's PSSI draft (HTML, PDF, DOCX).

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
from ssi.pssi import service as pssi

router = APIRouter()

Reader = Annotated[Principal, require("ssi:read")]


class PssiFormat(StrEnum):
    """How the draft is delivered."""

    HTML = "html"
    PDF = "pdf"
    DOCX = "docx"


DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get(
    "/tenants/{finess}/pssi",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}, DOCX_MEDIA_TYPE: {}}}},
)
def pssi_draft(
    finess: str,
    db: DbSession,
    caller: Reader,
    format: Annotated[PssiFormat, Query(description="html, pdf or docx.")] = PssiFormat.HTML,
    version: Annotated[str | None, Query(description="Skeleton version (default latest).")] = None,
) -> Response:
    """The establishment's PSSI draft: the PGSSI-S skeleton, its context, its decisions."""
    ctx = pssi.context(db, finess, today=utcnow().date(), version=version)
    if format is PssiFormat.HTML:
        return HTMLResponse(pssi.render_html(ctx))
    content, media = (
        (pssi.render_pdf(ctx), "application/pdf")
        if format is PssiFormat.PDF
        else (pssi.render_docx(ctx), DOCX_MEDIA_TYPE)
    )
    name = f"pssi-{ctx.tenant.finess}.{format.value}"
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
