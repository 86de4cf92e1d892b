"""A TCP relay in front of a simulated server, which a fault can take off the network.

A simulator publishes the relay's port instead of its server's: traffic is copied both
ways unchanged. While a fault of the relay's kind holds its endpoint (see
:class:`controlplane.faults.FaultBook`), the relay stops listening, so new connections
are refused, and drops the connections it carried; once the fault is cleared or ends,
it listens again on the same port. It runs on its own thread and event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from types import TracebackType

from controlplane.faults import FaultBook

LOOPBACK = "127.0.0.1"
_WATCH_SECONDS = 0.2
_CHUNK = 256 * 1024


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port free on ``host`` now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class TcpRelay:
    """Relay ``host:port`` (published) to ``target_host:target_port``; refused while a
    fault of ``kind`` holds the selector ``endpoint`` = ``host:port``."""

    def __init__(self, target_host: str, target_port: int, *, faults: FaultBook | None,
                 kind: str, host: str = LOOPBACK, port: int | None = None) -> None:
        self.target = (target_host, target_port)
        self.host = host
        self.port = port or free_port(host)
        self.faults = faults
        self.kind = kind
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name=f"relay-{self.port}")
        self._server: asyncio.Server | None = None
        self._watcher: asyncio.Future[None] | None = None
        self._links: set[asyncio.StreamWriter] = set()

    @property
    def endpoint(self) -> str:
        """``host:port`` as published (what faults select)."""
        return f"{self.host}:{self.port}"

    def start(self) -> TcpRelay:
        """Listen (unless a fault already holds the endpoint) and watch the faults."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._watch_start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        """Stop listening, drop every connection, end the thread."""
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shut(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> TcpRelay:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _held(self) -> bool:
        return self.faults is not None and \
            self.faults.holding(self.kind, "endpoint", self.endpoint) is not None

    async def _watch_start(self) -> None:
        await self._follow()
        self._watcher = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(_WATCH_SECONDS)
            await self._follow()

    async def _follow(self) -> None:
        """Listen when no fault holds the endpoint; stop and drop everything when one does."""
        held = self._held()
        if held and self._server is not None:
            await self._close()
        elif not held and self._server is None:
            self._server = await asyncio.start_server(self._serve, self.host, self.port,
                                                      reuse_address=True)

    async def _shut(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        await self._close()

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._links):
            writer.close()
        self._links.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._links.update((writer, upstream_writer))
        await asyncio.gather(self._pipe(reader, upstream_writer),
                             self._pipe(upstream_reader, writer))
        self._links.difference_update((writer, upstream_writer))

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(_CHUNK):
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
