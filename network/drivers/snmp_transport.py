"""One UDP socket for all of a poller's SNMP requests: send, resend on timeout, and hand
each answer to the request it is for (same request/message ID, from the address asked).

Answers that match no waiting request (late, foreign, unreadable) are dropped, as an
SNMP engine does: the request then times out.
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Callable
from typing import Any

Address = tuple[str, int]


class UdpRequester(asyncio.DatagramProtocol):
    """Requests over one IPv4 UDP socket, bound to the event loop it is opened on.
    ``answer_id`` reads the request/message ID of a datagram (raising ValueError, or
    an exception derived from it, when it cannot)."""

    def __init__(self, answer_id: Callable[[bytes], int]) -> None:
        self._answer_id = answer_id
        self._transport: asyncio.DatagramTransport | None = None
        self._waiting: dict[int, tuple[Address, asyncio.Future[bytes]]] = {}
        self._next_id = random.randrange(1, 2**31 - 1)  # noqa: S311 (not a secret)
        self._addresses: dict[Address, Address] = {}

    async def open(self) -> None:
        """Bind the socket (an ephemeral port on every IPv4 address)."""
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, local_addr=("0.0.0.0", 0),  # noqa: S104
                                            family=socket.AF_INET)

    def close(self) -> None:
        """Close the socket; waiting requests fail with ConnectionError."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        for _address, future in self._waiting.values():
            if not future.done():
                future.set_exception(ConnectionError("SNMP socket closed"))
        self._waiting.clear()

    def new_id(self) -> int:
        """A fresh request/message ID (31 bits, never 0)."""
        self._next_id = self._next_id % (2**31 - 1) + 1
        return self._next_id

    async def resolve(self, host: str, port: int) -> Address:
        """The IPv4 address of ``host`` (looked up once per poller)."""
        address = self._addresses.get((host, port))
        if address is None:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, family=socket.AF_INET, type=socket.SOCK_DGRAM)
            address = self._addresses[(host, port)] = infos[0][4][:2]
        return address

    async def request(
        self, address: Address, message: bytes, message_id: int, *, timeout: float,
        retries: int,
    ) -> bytes:
        """Send ``message`` (resent ``retries`` times after ``timeout`` seconds without an
        answer) and return the answer carrying ``message_id``. Raises TimeoutError."""
        if self._transport is None:
            raise ConnectionError("SNMP socket not open")
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiting[message_id] = (address, future)
        try:
            for _attempt in range(retries + 1):
                self._transport.sendto(message, address)
                done, _ = await asyncio.wait((future,), timeout=timeout)
                if done:
                    return future.result()
            raise TimeoutError
        finally:
            self._waiting.pop(message_id, None)

    def connection_made(self, transport: Any) -> None:
        self._transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            message_id = self._answer_id(data)
        except ValueError:
            return
        waiting = self._waiting.get(message_id)
        if waiting is not None and waiting[0] == tuple(addr[:2]) and not waiting[1].done():
            waiting[1].set_result(data)

    def error_received(self, exc: Exception) -> None:
        pass  # an ICMP error on the shared socket: the request it concerns times out
