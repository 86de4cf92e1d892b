"""Free UDP ports, and a one-shot SNMPv2c GET telling whether an agent answers yet."""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path

from pyasn1.codec.ber import encoder
from pysnmp.proto import api

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
_LOWEST_PORT = 12_000
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_MAX_TRIES = 2_000


def free_udp_ports(count: int, host: str) -> list[int]:
    """`count` distinct UDP ports free on `host` now, drawn at random below the kernel's
    ephemeral range (so outgoing sockets never take them in the meantime)."""
    try:
        high = int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        high = 32_768
    chosen: list[int] = []
    with ExitStack() as held:  # keep chosen ports bound until all are picked
        for _ in range(_MAX_TRIES):
            if len(chosen) == count:
                return chosen
            port = _LOWEST_PORT + secrets.randbelow(high - _LOWEST_PORT)
            sock = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            try:
                sock.bind((host, port))
            except OSError:
                continue
            if port not in chosen:
                chosen.append(port)
    if len(chosen) < count:
        raise OSError(f"could not find {count} free UDP ports on {host}")
    return chosen


def answering(
    endpoints: Iterable[tuple[str, int]], community: str, timeout: float = 0.2
) -> set[tuple[str, int]]:
    """The endpoints that reply, within `timeout` seconds, to an SNMPv2c GET of
    sysUpTime.0 (any reply counts: the agent is up)."""
    v2c = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    pdu = v2c.GetRequestPDU()
    v2c.apiPDU.set_defaults(pdu)
    v2c.apiPDU.set_varbinds(pdu, [(v2c.ObjectIdentifier(SYS_UPTIME), v2c.Null(""))])
    message = v2c.Message()
    v2c.apiMessage.set_defaults(message)
    v2c.apiMessage.set_community(message, community)
    v2c.apiMessage.set_pdu(message, pdu)
    request = encoder.encode(message)
    replied: set[tuple[str, int]] = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for endpoint in endpoints:
            sock.sendto(request, endpoint)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                _, source = sock.recvfrom(65_535)
            except TimeoutError:
                break
            except OSError:  # ICMP port unreachable from an agent not listening yet
                continue
            replied.add(source)
    return replied
