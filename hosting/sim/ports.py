"""Free TCP port allocation on 127.0.0.1, below the kernel's ephemeral range."""

from __future__ import annotations

import secrets
import socket
from contextlib import ExitStack
from pathlib import Path

LOOPBACK = "127.0.0.1"
GRPC_OFFSET = 10_000  # SeaweedFS serves gRPC on its HTTP port + 10000
_LOWEST_PORT = 12_000
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_MAX_TRIES = 500


def _ephemeral_low() -> int:
    """First port the kernel hands out to outgoing connections (default 32768)."""
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def _try_bind(stack: ExitStack, port: int) -> bool:
    sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    try:
        sock.bind((LOOPBACK, port))
    except OSError:
        return False
    return True


def free_ports(count: int, *, with_grpc: bool = False) -> list[int]:
    """Return ``count`` distinct ports free on 127.0.0.1 right now.

    With ``with_grpc`` each port's ``port + GRPC_OFFSET`` is free too. Ports are drawn
    at random below the ephemeral range, so outgoing connections never take them.
    """
    high = _ephemeral_low() - (GRPC_OFFSET if with_grpc else 0)
    chosen: list[int] = []
    with ExitStack() as held:  # keep chosen ports bound until all are picked
        for _ in range(_MAX_TRIES):
            if len(chosen) == count:
                break
            port = _LOWEST_PORT + secrets.randbelow(high - _LOWEST_PORT)
            if port in chosen or not _try_bind(held, port):
                continue
            if not with_grpc or _try_bind(held, port + GRPC_OFFSET):
                chosen.append(port)
    if len(chosen) < count:
        raise OSError(f"could not find {count} free ports on {LOOPBACK}")
    return chosen
