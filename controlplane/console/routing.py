"""Console routes: outside the OpenAPI document, CSRF-checked, errors shown as French pages.

Every console router is made with :func:`console_router`, whose route class reads the
session cookie, refuses unsafe requests without the session's CSRF token, and turns
what a page raises into a page: sign-in needed → the sign-in form, another tenant's or
an unknown object → "introuvable" (404), a role without the permission → 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse

from controlplane.api.deps import SAFE_METHODS
from controlplane.console import csrf, session
from controlplane.console.identity import SignInRequired
from controlplane.console.rendering import render
from controlplane.db import ScopeViolation
from controlplane.errors import SocleError

LOGIN_PATH = "/console/login"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

ERROR_TITLES = {
    400: "Requête invalide",
    403: "Accès refusé",
    404: "Page introuvable",
    409: "Conflit",
    422: "Saisie invalide",
}


def error_page(request: Request, status: int, message: str) -> Response:
    """The French error page for ``status``."""
    title = ERROR_TITLES.get(status, "Erreur")
    return render(request, "error.html", {"title": title, "message": message}, status=status)


def _sign_in(request: Request, ended: bool) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"{LOGIN_PATH}?next={quote(target, safe='')}" + ("&ended=1" if ended else "")
    response: Response
    if request.headers.get("HX-Request"):
        response = Response(status_code=204, headers={"HX-Redirect": location})
    else:
        response = RedirectResponse(location, status_code=303)
    if ended:
        session.clear(response, request)
    return response


def _page_for(request: Request, exc: Exception) -> Response:
    if isinstance(exc, SignInRequired):
        return _sign_in(request, exc.ended)
    if isinstance(exc, csrf.CsrfRefused):
        return error_page(
            request, 403, "Ce formulaire n’a pas été envoyé depuis une page de la console "
            "ou votre session a changé. Rechargez la page et recommencez.",
        )
    if isinstance(exc, ScopeViolation) or (isinstance(exc, SocleError) and exc.status == 404):
        return error_page(request, 404, "Cette page n’existe pas ou ne vous est pas accessible.")
    if isinstance(exc, SocleError) and exc.status == 403:
        return error_page(request, 403, "Votre rôle ne permet pas d’accéder à cette page.")
    if isinstance(exc, SocleError):
        return error_page(request, exc.status, exc.detail)
    assert isinstance(exc, RequestValidationError)
    if any(error["loc"][:1] == ("path",) for error in exc.errors()):
        return error_page(request, 404, "Cette page n’existe pas ou ne vous est pas accessible.")
    return error_page(request, 400, "L’adresse contient un paramètre invalide.")


class ConsoleRoute(APIRoute):
    """A console page: hidden from OpenAPI, CSRF-checked, errors rendered as pages."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["include_in_schema"] = False
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        """The route's handler wrapped with the session, CSRF and error pages."""
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            request.state.console_session = session.read(request)
            try:
                if request.method not in SAFE_METHODS:
                    await csrf.verify(request, request.state.console_session)
                response = await handler(request)
            except (
                SignInRequired, csrf.CsrfRefused, SocleError, ScopeViolation,
                RequestValidationError,
            ) as exc:
                response = _page_for(request, exc)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return console_handler


def console_router(**kwargs: Any) -> APIRouter:
    """An ``APIRouter`` for console pages (use it for every plane's pages too)."""
    return APIRouter(route_class=ConsoleRoute, include_in_schema=False, **kwargs)
