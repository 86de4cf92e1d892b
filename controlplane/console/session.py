"""The console's session: a signed cookie holding a token id, a CSRF secret and an expiry.

Nothing is stored server-side: the cookie is signed (itsdangerous, HMAC) with the
secret from :mod:`controlplane.console.secret`, and the token it names is re-checked on
every request, so revoking the token ends the session at once. A visitor who has not
signed in yet gets a session without a token, which carries the sign-in form's CSRF
secret; signing in replaces it with a new one.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

from controlplane.console import secret

COOKIE_NAME = "socle_console"
LIFETIME_SECONDS = 8 * 3600  # a working day
_SALT = "socle.console.session"


@dataclass(frozen=True)
class ConsoleSession:
    """What the cookie holds; ``token_id`` is None until the visitor signs in."""

    csrf: str
    expires: int
    token_id: int | None = None

    @classmethod
    def start(cls, token_id: int | None = None) -> ConsoleSession:
        """A new session with a fresh CSRF secret, valid for :data:`LIFETIME_SECONDS`."""
        return cls(
            csrf=secrets.token_urlsafe(32),
            expires=int(time.time()) + LIFETIME_SECONDS,
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
    if not isinstance(csrf, str) or not isinstance(expires, int):
        return None
    if token_id is not None and not isinstance(token_id, int):
        return None
    found = ConsoleSession(csrf=csrf, expires=expires, token_id=token_id)
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
        {"c": session.csrf, "e": session.expires, "t": session.token_id}
    )
    response.set_cookie(COOKIE_NAME, value, max_age=session.remaining, **_cookie_options(request))


def clear(response: Response, request: Request) -> None:
    """Remove the session cookie."""
    response.delete_cookie(COOKIE_NAME, **_cookie_options(request))
