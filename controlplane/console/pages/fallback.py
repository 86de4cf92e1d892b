"""Any other ``/console/...`` address: the French "introuvable" page (included last)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from controlplane.console.identity import Visitor, signed_in
from controlplane.console.routing import console_router, error_page

router = console_router()


@router.get("/console/{path:path}")
def not_found(
    request: Request, path: str, visitor: Annotated[Visitor, Depends(signed_in)]
) -> Response:
    """A console address that matches no page (strangers are asked to sign in first)."""
    return error_page(request, 404, "Cette page n’existe pas ou ne vous est pas accessible.")
