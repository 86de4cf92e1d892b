"""Relays in front of simulated servers, which the region's faults act on.

A simulator publishes a relay's port instead of its server's: traffic is copied both
ways unchanged. Each relay is told which fault kinds concern it and what each does
(:data:`Behaviour`), and asks the :class:`~controlplane.faults.FaultBook` whether one
holds its endpoint (selector ``endpoint`` = ``host:port`` as published):

- ``refuse`` (TCP): the relay stops listening, so connections are refused, and drops
  the connections it carried; once the fault ends it listens again on the same port;
- ``silent``: nothing answers: a TCP connection is accepted and then hangs (as behind a
  dead link), a UDP datagram is dropped;
- ``slow`` (UDP): each datagram is delayed by the fault's ``delay_ms`` and dropped with
  its ``loss_pct``;
- ``tamper`` (UDP): each datagram reaches the server altered by the relay's ``tamper``
  function (given by the simulator, which knows its protocol), answers come back
  unchanged: e.g. an SNMPv3 request with a wrong digest, which the agent refuses with a
  report, as one whose keys were changed would.

Relays run on their own thread and event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Literal

from controlplane.faults import Fault, FaultBook

LOOPBACK = "127.0.0.1"
Behaviour = Literal["refuse", "silent", "slow", "tamper"]
_WATCH_SECONDS = 0.2
_CHUNK = 256 * 1024
_IDLE_SECONDS = 60.0  # a UDP client's upstream socket is closed after this long unused


def free_port(host: str = LOOPBACK, kind: int = socket.SOCK_STREAM) -> int:
    """A TCP (or UDP) port free on ``host`` now."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class _Relay:
    """What both relays share: the thread, the loop, and the faults they obey."""

    def __init__(self, target_host: str, target_port: int, *, faults: FaultBook | None,
                 behaviours: Mapping[str, Behaviour], host: str, port: int) -> None:
        self.target = (target_host, target_port)
        self.host = host
        self.port = port
        self.faults = faults
        self.behaviours = dict(behaviours)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name=f"relay-{port}")

    @property
    def endpoint(self) -> str:
        """``host:port`` as published (what faults select)."""
        return f"{self.host}:{self.port}"

    def fault(self) -> tuple[Behaviour, Fault] | None:
        """The behaviour a fault holding this endpoint asks for now, if any."""
        if self.faults is None:
            return None
        for kind, behaviour in self.behaviours.items():
            found = self.faults.holding(kind, "endpoint", self.endpoint)
            if found is not None:
                return behaviour, found
        return None

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


class TcpRelay(_Relay):
    """Relay TCP ``host:port`` (published) to ``target_host:target_port``."""

    def __init__(self, target_host: str, target_port: int, *, faults: FaultBook | None,
                 behaviours: Mapping[str, Behaviour], host: str = LOOPBACK,
                 port: int | None = None) -> None:
        super().__init__(target_host, target_port, faults=faults, behaviours=behaviours,
                         host=host, port=port or free_port(host))
        self._server: asyncio.Server | None = None
        self._watcher: asyncio.Future[None] | None = None
        self._links: set[asyncio.StreamWriter] = set()

    def start(self) -> TcpRelay:
        """Listen (unless a fault refuses) and watch the faults."""
        self._thread.start()
        self._run(self._watch_start())
        return self

    def stop(self) -> None:
        """Stop listening, drop every connection, end the thread."""
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            self._run(self._shut())
        self._stop_loop()

    def __enter__(self) -> TcpRelay:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    async def _watch_start(self) -> None:
        await self._follow()
        self._watcher = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(_WATCH_SECONDS)
            await self._follow()

    def _down(self) -> Behaviour | None:
        """``refuse`` or ``silent`` while a fault takes the endpoint down (``slow`` and
        ``tamper`` act on datagrams only: a TCP stream goes through)."""
        found = self.fault()
        return found[0] if found is not None and found[0] in ("refuse", "silent") else None

    async def _follow(self) -> None:
        """Listen unless a fault refuses; when a fault takes the endpoint down (refused or
        silent), drop what it carried."""
        found = self._down()
        if found is not None:
            for writer in list(self._links):
                writer.close()
            self._links.clear()
        refused = found == "refuse"
        if refused and self._server is not None:
            await self._close()
        elif not refused and self._server is None:
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
        if self._down() is not None:  # silent: accept, then never answer
            self._links.add(writer)
            return
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


class _Upstream(asyncio.DatagramProtocol):
    """One client's socket towards the server: answers go back to that client."""

    def __init__(self, relay: UdpRelay, client: tuple[str, int]) -> None:
        self.relay = relay
        self.client = client
        self.transport: asyncio.DatagramTransport | None = None
        self.used = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.used = time.monotonic()
        self.relay.deliver(data, self.client)


class UdpRelay(_Relay, asyncio.DatagramProtocol):
    """Relay UDP ``host:port`` (published) to ``target_host:target_port``."""

    def __init__(self, target_host: str, target_port: int, *, faults: FaultBook | None,
                 behaviours: Mapping[str, Behaviour], host: str = LOOPBACK,
                 port: int | None = None, seed: int | None = None,
                 tamper: Callable[[bytes], bytes] | None = None) -> None:
        super().__init__(target_host, target_port, faults=faults, behaviours=behaviours,
                         host=host, port=port or free_port(host, socket.SOCK_DGRAM))
        self._tamper = tamper or (lambda data: data)
        self._transport: asyncio.DatagramTransport | None = None
        self._upstreams: dict[tuple[str, int], _Upstream] = {}
        self._random = random.Random(seed)  # noqa: S311 (simulated loss, not a secret)
        self._pending: set[asyncio.Future[None]] = set()

    def start(self) -> UdpRelay:
        """Bind the published port."""
        self._thread.start()
        self._run(self._bind())
        return self

    def stop(self) -> None:
        """Close every socket, end the thread."""
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            self._run(self._shut())
        self._stop_loop()

    def __enter__(self) -> UdpRelay:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    async def _bind(self) -> None:
        await self._loop.create_datagram_endpoint(lambda: self, local_addr=(self.host, self.port))

    async def _shut(self) -> None:
        for upstream in self._upstreams.values():
            if upstream.transport is not None:
                upstream.transport.close()
        self._upstreams.clear()
        if self._transport is not None:
            self._transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        found = self.fault()
        delay = 0.0
        if found is not None:
            behaviour, fault = found
            if behaviour == "tamper":
                self._send(self._tamper(data), addr)
                return
            if behaviour != "slow":
                return  # silent: dropped
            if self._random.random() * 100 < float(fault.options.get("loss_pct") or 0):
                return
            delay = float(fault.options.get("delay_ms") or 0) / 1000
        if delay:
            self._loop.call_later(delay, self._send, data, addr)
        else:
            self._send(data, addr)

    def _send(self, data: bytes, client: tuple[str, int]) -> None:
        future = asyncio.ensure_future(self._forward(data, client))
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    async def _forward(self, data: bytes, client: tuple[str, int]) -> None:
        upstream = self._upstreams.get(client)
        if upstream is None or upstream.transport is None:
            self._expire()
            _transport, protocol = await self._loop.create_datagram_endpoint(
                lambda: _Upstream(self, client), remote_addr=self.target)
            upstream = self._upstreams[client] = protocol
        upstream.used = time.monotonic()
        assert upstream.transport is not None
        upstream.transport.sendto(data)

    def deliver(self, data: bytes, client: tuple[str, int]) -> None:
        """An answer from the server, back to ``client`` (dropped while a fault silences
        the endpoint: the answer is lost on the way back too)."""
        found = self.fault()
        if self._transport is not None and (found is None or found[0] in ("slow", "tamper")):
            self._transport.sendto(data, client)

    def _expire(self) -> None:
        now = time.monotonic()
        for client, upstream in list(self._upstreams.items()):
            if now - upstream.used > _IDLE_SECONDS and upstream.transport is not None:
                upstream.transport.close()
                del self._upstreams[client]
