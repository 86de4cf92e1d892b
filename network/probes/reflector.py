"""A UDP echo reflector (asyncio) answering probe packets, with settable impairment:
a fixed added delay (as if the path were longer) and a loss ratio.

Loss is deterministic: of every run of packets received, packet ``n`` (0-based) is
dropped when ``floor((n + 1) * loss) > floor(n * loss)``, so exactly ``loss`` of them
go, evenly spread (tests can count on it). Non-probe datagrams are ignored.

Python API: ``async with Reflector(host, port, Impairment(delay_ms=20, loss=0.1)) as r``.
The simulated region runs one with ``python -m network.sim.reflector`` (``socle sim up``).
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from types import TracebackType

from network.probes.packet import MalformedProbe, reflect


@dataclass(frozen=True)
class Impairment:
    """What the reflector adds to the path: delay (ms) and loss ratio (0..1)."""

    delay_ms: float = 0.0
    loss: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.delay_ms <= 60_000:
            raise ValueError("delay_ms must be within 0..60000")
        if not 0 <= self.loss <= 1:
            raise ValueError("loss must be within 0..1")

    def drops(self, n: int) -> bool:
        """True if the ``n``-th packet received (0-based) is to be lost."""
        return math.floor((n + 1) * self.loss) > math.floor(n * self.loss)


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, reflector: Reflector) -> None:
        self.reflector = reflector
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.reflector._received(self, data, addr)


class Reflector:
    """The reflector on ``host:port`` (port 0: any free port; see :attr:`port`)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 impairment: Impairment | None = None) -> None:
        self.host, self.port = host, port
        self.impairment = impairment or Impairment()
        self.received = 0
        self.reflected = 0
        self._protocol: _Protocol | None = None

    async def __aenter__(self) -> Reflector:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    async def start(self) -> None:
        """Bind and start answering."""
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=(self.host, self.port))
        self._protocol = protocol
        self.port = transport.get_extra_info("sockname")[1]

    def close(self) -> None:
        """Stop answering."""
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()
        self._protocol = None

    def set_impairment(self, impairment: Impairment) -> None:
        """Change delay and loss from now on (the loss pattern starts over)."""
        self.impairment, self.received = impairment, 0

    def _received(self, protocol: _Protocol, data: bytes, addr: tuple[str, int]) -> None:
        count = self.received
        self.received += 1
        if self.impairment.drops(count):
            return
        delay = self.impairment.delay_ms / 1000
        if delay:
            asyncio.get_running_loop().call_later(delay, self._answer, protocol, data, addr,
                                                  count)
        else:
            self._answer(protocol, data, addr, count)

    def _answer(self, protocol: _Protocol, data: bytes, addr: tuple[str, int],
                count: int) -> None:
        try:
            reply = reflect(data, time.time_ns(), count)
        except MalformedProbe:
            return
        if protocol.transport is not None and not protocol.transport.is_closing():
            protocol.transport.sendto(reply, addr)
            self.reflected += 1
