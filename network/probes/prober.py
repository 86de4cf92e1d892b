"""The prober: sends ``count`` probe packets to a reflector, ``interval`` apart, marked
with a DSCP, and measures round-trip time, jitter and loss.

RTT is measured on the prober's monotonic clock (send to reply), so the two hosts'
clocks need not agree. Jitter is the mean absolute difference between the RTTs of
successive answered probes (as RFC 3550's interarrival jitter, without smoothing).
A reply arriving after ``timeout`` counts as lost; duplicates and strangers are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import socket
import time
from dataclasses import dataclass

from network.probes.packet import MalformedProbe, parse_reply, request

# DSCP of each class of service (RFC 4594): expedited forwarding for real time,
# AF31 for business data, default for best effort.
DSCP = {"EF": 46, "AF31": 26, "BE": 0}


@dataclass(frozen=True)
class ProbeResult:
    """One probe run. ``rtt_ms`` and ``jitter_ms`` are None when nothing came back
    (jitter also with a single answer); ``tos`` is the TOS byte the socket sent with."""

    sent: int
    received: int
    rtt_ms: float | None
    rtt_min_ms: float | None
    jitter_ms: float | None
    tos: int

    @property
    def loss_pct(self) -> float:
        """Share of probes lost, in percent."""
        return 100.0 * (self.sent - self.received) / self.sent if self.sent else 0.0


class _Replies(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.arrivals: dict[int, int] = {}  # sequence → arrival (monotonic ns)
        self.complete = asyncio.Event()
        self.expected = 0

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        now = time.monotonic_ns()
        try:
            reply = parse_reply(data)
        except MalformedProbe:
            return
        self.arrivals.setdefault(reply.sequence, now)
        if len(self.arrivals) >= self.expected:
            self.complete.set()


def _socket(address: str, port: int, dscp: int) -> tuple[socket.socket, int]:
    family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setblocking(False)
    tos = dscp << 2
    if family == socket.AF_INET:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
        applied = sock.getsockopt(socket.IPPROTO_IP, socket.IP_TOS)
    else:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, tos)
        applied = sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS)
    sock.connect((address, port))
    return sock, applied


async def probe(
    host: str, port: int, *, count: int = 20, interval: float = 0.02, timeout: float = 1.0,
    dscp: int = 0,
) -> ProbeResult:
    """Probe the reflector at ``host:port`` and measure (module doc); OSError when the
    host cannot be resolved or reached at all (nothing measured, not a loss)."""
    if count < 1 or not 0 <= dscp < 64:
        raise ValueError("need count >= 1 and 0 <= dscp < 64")
    loop = asyncio.get_running_loop()
    (*_, address), *_ = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    sock, tos = _socket(address[0], port, dscp)
    transport, replies = await loop.create_datagram_endpoint(_Replies, sock=sock)
    replies.expected = count
    sent_at: dict[int, int] = {}
    try:
        for sequence in range(count):
            sent_at[sequence] = time.monotonic_ns()
            transport.sendto(request(sequence, time.time_ns()))
            if sequence + 1 < count:
                await asyncio.sleep(interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(replies.complete.wait(), timeout)
    finally:
        transport.close()
    deadline = int(timeout * 1e9)
    rtts = [
        (arrival - sent_at[seq]) / 1e6
        for seq, arrival in sorted(replies.arrivals.items())
        if seq in sent_at and arrival - sent_at[seq] <= deadline
    ]
    jitter = (sum(abs(b - a) for a, b in itertools.pairwise(rtts)) / (len(rtts) - 1)
              if len(rtts) > 1 else None)
    return ProbeResult(
        sent=count, received=len(rtts), rtt_ms=sum(rtts) / len(rtts) if rtts else None,
        rtt_min_ms=min(rtts) if rtts else None, jitter_ms=jitter, tos=tos,
    )
