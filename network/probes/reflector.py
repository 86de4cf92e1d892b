"""A UDP echo reflector (asyncio) answering probe packets, with settable impairment:
a fixed added delay (as if the path were longer) and a loss ratio.

Loss is deterministic: of every run of packets received, packet ``n`` (0-based) is
dropped when ``floor((n + 1) * loss) > floor(n * loss)``, so exactly ``loss`` of them
go, evenly spread (tests can count on it). Non-probe datagrams are ignored.

Python API: ``async with Reflector(host, port, Impairment(delay_ms=20, loss=0.1)) as r``.
Foreground launcher for ``socle sim up``:
``python -m network.probes.reflector --state-file PATH [--delay-ms D] [--loss L]``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
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


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m network.probes.reflector",
                                     description="Run a UDP probe reflector.")
    parser.add_argument("--state-file", type=Path, required=True, help="JSON endpoint file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="default: any free port")
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--loss", type=float, default=0.0, help="ratio 0..1")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    from network.sim.launcher import write_state

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    impairment = Impairment(args.delay_ms, args.loss)
    async with Reflector(args.host, args.port, impairment) as reflector:
        write_state(args.state_file, {
            "pid": os.getpid(), "host": reflector.host, "port": reflector.port,
            "delay_ms": impairment.delay_ms, "loss": impairment.loss})
        try:
            await stop.wait()
        finally:
            args.state_file.unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the reflector in the foreground until SIGTERM or SIGINT."""
    args = parse_args(argv)
    try:
        Impairment(args.delay_ms, args.loss)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
