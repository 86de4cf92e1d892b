"""The made-up plane's console: one page, one navigation entry, one template."""

from typing import Annotated

from fastapi import Request, Response

from controlplane.console import NavEntry, Visitor, allowed, console_router, render

router = console_router()
NAV = (NavEntry("Plan factice", "/console/fakeplane", "network:write", 30),)


@router.get("/console/fakeplane")
def fake_page(request: Request, visitor: Annotated[Visitor, allowed("network:write")]) -> Response:
    """The plane's page."""
    return render(request, "fakeplane/page.html", {"greeting": "Bonjour du plan factice"})
