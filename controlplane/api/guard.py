"""What a request must be before any route reads it: headers of bounded number and size,
a body of bounded size, and, under the API, a valid token before the body is read.

A pure ASGI middleware, outermost, so that an anonymous client cannot make the server
read, buffer or parse a large body: a request to ``/api/`` carrying a body is
authenticated from its ``Authorization`` header first (401 without reading a byte of
it; the principal is handed on to the route's dependencies, so the token is looked up
once). A body larger than its limit is refused with 413 (at once when
``Content-Length`` says so, else as soon as the bytes read exceed it); too many or too
large headers with 431 (problem+json, codes CP-0005 and CP-0006). Streamed uploads (an
archive deposit) have their own, larger limit, set per path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from controlplane.auth import Principal
from controlplane.errors import SocleError

#: Looks the bearer secret up (None: unknown, revoked or expired); runs in a thread.
Authenticator = Callable[[str], Principal | None]


@dataclass(frozen=True)
class Limits:
    """The bounds of a request: body bytes (and per-path overrides), headers."""

    body_bytes: int
    streamed: Mapping[str, int] = field(default_factory=dict)
    header_count: int = 100
    header_bytes: int = 16_384

    def body_limit(self, path: str) -> int:
        """How many body bytes a request to ``path`` may carry."""
        return self.streamed.get(path.rstrip("/"), self.body_bytes)


class BodyTooLarge(HTTPException):
    """The body went past its limit while a route read it: raised from the body's
    ``receive``, it reaches the app's problem handler as a 413 (FastAPI re-raises HTTP
    exceptions met while parsing a body, where it would turn any other into a 400)."""

    title = "Request body too large"
    code = "CP-0005"

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"at most {limit} bytes")


def _problem(status: int, title: str, detail: str, code: str,
             headers: list[tuple[bytes, bytes]] | None = None) -> tuple[Message, Message]:
    body = json.dumps({"type": f"https://socle.invalid/problems/{code}", "title": title,
                       "status": status, "detail": detail, "errors": [], "code": code}).encode()
    start: Message = {"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
        *(headers or [])]}
    return start, {"type": "http.response.body", "body": body}


async def _answer(send: Send, messages: tuple[Message, Message]) -> None:
    for message in messages:
        await send(message)


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope["headers"] if key.lower() == name), None)


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    chunked = b"chunked" in (_header(scope, b"transfer-encoding") or b"").lower()
    return chunked or (length is not None and length.strip() not in (b"", b"0"))


class RequestGuard:
    """The middleware (see the module): ``limits``, and ``authenticate`` for API bodies."""

    def __init__(self, app: ASGIApp, *, limits: Limits, authenticate: Authenticator,
                 api_prefix: str = "/api/") -> None:
        self.app = app
        self.limits = limits
        self.authenticate = authenticate
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self._headers_refused(scope)
        if refused is None and _has_body(scope) and scope["path"].startswith(self.api_prefix):
            refused = await self._authenticated(scope)
        refused = refused or self._length_refused(scope)
        if refused is not None:
            await _answer(send, refused)
            return
        await self._bounded(scope, receive, send)

    def _headers_refused(self, scope: Scope) -> tuple[Message, Message] | None:
        headers = scope["headers"]
        size = sum(len(key) + len(value) + 4 for key, value in headers)
        if len(headers) > self.limits.header_count or size > self.limits.header_bytes:
            return _problem(431, "Request header fields too large",
                            f"at most {self.limits.header_count} headers and "
                            f"{self.limits.header_bytes} bytes of them", "CP-0006")
        return None

    def _length_refused(self, scope: Scope) -> tuple[Message, Message] | None:
        length = _header(scope, b"content-length")
        limit = self.limits.body_limit(scope["path"])
        if length is not None and length.strip().isdigit() and int(length) > limit:
            return _too_large(limit)
        return None

    async def _authenticated(self, scope: Scope) -> tuple[Message, Message] | None:
        credentials = (_header(scope, b"authorization") or b"").decode("latin-1")
        kind, _, secret = credentials.partition(" ")
        if kind.lower() != "bearer" or not secret.strip():
            return _unauthenticated("send Authorization: Bearer <token>")
        try:
            found = await run_in_threadpool(self.authenticate, secret.strip())
        except SocleError:
            found = None
        if found is None:
            return _unauthenticated("unknown, revoked or expired token")
        scope.setdefault("state", {})["principal"] = found
        return None

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit, read = self.limits.body_limit(scope["path"]), 0

        async def counted() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def _too_large(limit: int) -> tuple[Message, Message]:
    return _problem(413, BodyTooLarge.title, f"at most {limit} bytes", BodyTooLarge.code)


def _unauthenticated(detail: str) -> tuple[Message, Message]:
    return _problem(401, "Unauthenticated", detail, "CP-0002",
                    headers=[(b"www-authenticate", b"Bearer")])
