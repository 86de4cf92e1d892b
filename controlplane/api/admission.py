"""At most as many requests in the application as it has handler threads.

A request's database session is opened in one handler thread and committed in another
(FastAPI runs a sync dependency's teardown in a thread call of its own): between the
two it holds a pooled connection while it waits for a thread. Let 200 clients in at
once and the waiting requests hold every connection while the threads that would
release them wait for one: pool timeouts, 500s and 30-second stalls. Admitting only
``limit`` requests at a time (the others wait on the event loop, holding nothing) keeps
connections in use at most ``limit``, fewer than each pool holds (see
:class:`controlplane.db.Database`), so nothing waits for a connection.

``/healthz`` is never queued: it answers from the event loop however busy the threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection

from starlette.types import ASGIApp, Receive, Scope, Send


class Admission:
    """Pure ASGI middleware: ``limit`` HTTP requests in ``app`` at once, ``exempt`` paths
    let through."""

    def __init__(self, app: ASGIApp, *, limit: int,
                 exempt: Collection[str] = ("/healthz",)) -> None:
        self.app = app
        self.exempt = frozenset(exempt)
        self._slots = asyncio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        async with self._slots:
            await self.app(scope, receive, send)
