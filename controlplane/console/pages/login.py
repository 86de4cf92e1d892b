"""Sign-in with an API token, and sign-out."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Form, Request, Response
from starlette.responses import RedirectResponse

from controlplane.api.deps import database
from controlplane.auth import authenticate
from controlplane.console import session
from controlplane.console.rendering import render
from controlplane.console.routing import LOGIN_PATH, console_router
from controlplane.console.session import ConsoleSession
from controlplane.db import Database, Scope

log = logging.getLogger(__name__)

HOME = "/console/"

router = console_router()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path only (no open redirect)."""
    if not target or not target.startswith("/console") or "\\" in target:
        return HOME
    return target


@router.get("/")
def root() -> RedirectResponse:
    """The server's root leads to the console."""
    return RedirectResponse(HOME, status_code=303)


@router.get(LOGIN_PATH)
def login_form(
    request: Request, next: str = HOME, ended: bool = False, signed_out: bool = False
) -> Response:
    """The sign-in form; starts an anonymous session to carry its CSRF token."""
    current = request.state.console_session
    fresh = current is None
    if fresh:
        current = request.state.console_session = ConsoleSession.start()
    notice = None
    if ended:
        notice = (
            "Votre session a pris fin (déconnexion, jeton révoqué ou expiré). "
            "Reconnectez-vous."
        )
    elif signed_out:
        notice = "Vous êtes déconnecté."
    response = render(
        request, "login.html", {"next": safe_next(next), "notice": notice, "error": None}
    )
    if fresh:
        session.write(response, request, current)
    return response


@router.post(LOGIN_PATH)
def login(
    request: Request,
    db: Annotated[Database, Depends(database)],
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = HOME,
) -> Response:
    """Check the token; on success start a new signed-in session (new CSRF secret)."""
    with db.session(scope=Scope.unrestricted(), write=False) as lookup:
        principal = authenticate(lookup, token.strip())
    if principal is None or principal.token_id is None:
        context = {
            "next": safe_next(next),
            "notice": None,
            "error": "Jeton inconnu, révoqué ou expiré.",
        }
        return render(request, "login.html", context, status=401)
    log.info("console sign-in: %s", principal.actor)
    response = RedirectResponse(safe_next(next), status_code=303)
    session.write(response, request, ConsoleSession.start(token_id=principal.token_id))
    return response


@router.post("/console/logout")
def logout(request: Request, db: Annotated[Database, Depends(database)]) -> Response:
    """End the session server-side, then forget the cookie (the token itself stays valid).

    The session's id is recorded as signed out, so a copy of the cookie kept elsewhere
    is refused from now on, not only until it expires.
    """
    current = request.state.console_session
    if current is not None and current.token_id is not None:
        with db.transaction(scope=Scope.unrestricted()) as writer:
            session.end(writer, current)
        log.info("console sign-out: token %s", current.token_id)
    response = RedirectResponse(f"{LOGIN_PATH}?signed_out=1", status_code=303)
    session.clear(response, request)
    return response
