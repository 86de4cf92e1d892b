"""CSRF protection: a synchronizer token tied to the session, and the Origin check.

Every unsafe request to the console must carry the session's CSRF secret, in the
``csrf_token`` form field or the ``X-CSRF-Token`` header (htmx), and, when the browser
sends an ``Origin`` header, come from the console's own origin.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from controlplane.console.session import ConsoleSession

FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


class CsrfRefused(Exception):
    """The request does not prove it comes from one of the console's own pages."""


def own_origin(request: Request) -> str:
    """The origin (scheme://host[:port]) the console is served from, as browsers write it."""
    return f"{request.url.scheme}://{request.url.netloc}"


async def verify(request: Request, session: ConsoleSession | None) -> None:
    """Raise :class:`CsrfRefused` unless the request carries the session's CSRF secret."""
    origin = request.headers.get("origin")
    if origin is not None and origin != own_origin(request):
        raise CsrfRefused(f"origin {origin} is not {own_origin(request)}")
    sent = request.headers.get(HEADER)
    if sent is None:
        sent = (await request.form()).get(FORM_FIELD)
    if session is None or not isinstance(sent, str):
        raise CsrfRefused("no CSRF token, or no session")
    if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
        raise CsrfRefused("wrong CSRF token")
