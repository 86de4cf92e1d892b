"""The console's session: a signed cookie holding a session id, a token id, a CSRF secret
and an expiry.

The cookie is signed (itsdangerous, HMAC) with the secret from
:mod:`controlplane.console.secret`, and the token it names is re-checked on every
request, so revoking the token ends the session at once. Signing out records the
session's id in ``console_signouts`` until the cookie would have expired
(:func:`end`), and every signed-in request checks that record (:func:`is_ended`), so a
copy of the cookie is refused afterwards. A visitor who has not signed in yet gets a
session without a token, which carries the sign-in form's CSRF secret; signing in
replaces it with a new one.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete
from sqlalchemy.orm import Session

from controlplane.console import secret
from controlplane.db import utcnow
from controlplane.db.upsert import insert_missing
from controlplane.models import ConsoleSignout

COOKIE_NAME = "socle_console"
LIFETIME_SECONDS = 8 * 3600  # a working day
SESSION_ID_BYTES = 16  # 22 characters in the cookie and in console_signouts
_SALT = "socle.console.session"


@dataclass(frozen=True)
class ConsoleSession:
    """What the cookie holds; ``token_id`` is None until the visitor signs in."""

    csrf: str
    expires: int
    session_id: str
    token_id: int | None = None

    @classmethod
    def start(cls, token_id: int | None = None) -> ConsoleSession:
        """A new session with a fresh CSRF secret, valid for :data:`LIFETIME_SECONDS`."""
        return cls(
            csrf=secrets.token_urlsafe(32),
            expires=int(time.time()) + LIFETIME_SECONDS,
            session_id=secrets.token_urlsafe(SESSION_ID_BYTES),
            token_id=token_id,
        )

    @property
    def remaining(self) -> int:
        """Seconds left before the session expires."""
        return max(0, self.expires - int(time.time()))


@lru_cache(maxsize=8)
def _serializer(key: bytes) -> URLSafeSerializer:
    return URLSafeSerializer(key, salt=_SALT)


def _codec(request: Request) -> URLSafeSerializer:
    return _serializer(secret.load_or_create(request.app.state.settings.data_dir.resolve()))


def _parse(payload: Any) -> ConsoleSession | None:
    if not isinstance(payload, dict):
        return None
    csrf, expires, token_id = payload.get("c"), payload.get("e"), payload.get("t")
    session_id = payload.get("i")
    if not isinstance(csrf, str) or not isinstance(expires, int):
        return None
    if not isinstance(session_id, str):  # a cookie from before sessions had an id
        return None
    if token_id is not None and not isinstance(token_id, int):
        return None
    found = ConsoleSession(csrf=csrf, expires=expires, session_id=session_id, token_id=token_id)
    return found if found.remaining > 0 else None


def read(request: Request) -> ConsoleSession | None:
    """The request's session, or None if there is none, or it is forged or expired."""
    cookie = request.cookies.get(COOKIE_NAME)
    if not cookie:
        return None
    try:
        return _parse(_codec(request).loads(cookie))
    except BadSignature:
        return None


def _cookie_options(request: Request) -> dict[str, Any]:
    return {
        "path": "/",
        "httponly": True,
        "samesite": "lax",
        "secure": request.url.scheme == "https",
    }


def write(response: Response, request: Request, session: ConsoleSession) -> None:
    """Set the session cookie on ``response``."""
    value = _codec(request).dumps(
        {"c": session.csrf, "e": session.expires, "i": session.session_id, "t": session.token_id}
    )
    response.set_cookie(COOKIE_NAME, value, max_age=session.remaining, **_cookie_options(request))


def clear(response: Response, request: Request) -> None:
    """Remove the session cookie."""
    response.delete_cookie(COOKIE_NAME, **_cookie_options(request))


def end(db: Session, session: ConsoleSession) -> None:
    """Record that ``session`` is signed out, so its cookie is refused from now on.

    The record is kept until the cookie would have expired anyway; records past that are
    deleted here, so the table holds at most a working day of sign-outs.
    """
    now = utcnow()
    db.execute(delete(ConsoleSignout).where(ConsoleSignout.expires_at <= now))
    expires_at = datetime.fromtimestamp(session.expires, tz=UTC)
    insert_missing(db, ConsoleSignout, [{"session_id": session.session_id,
                                          "expires_at": expires_at}], keys=["session_id"])


def is_ended(db: Session, session: ConsoleSession) -> bool:
    """True when ``session`` was signed out (its cookie must no longer be accepted)."""
    return db.get(ConsoleSignout, session.session_id) is not None
