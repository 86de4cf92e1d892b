"""Exposed ports: a TCP connect scan of the ports an establishment declared.

A port is open when a TCP connection completes within the timeout; refused, filtered
(timeout) and unreachable are all "not open". Ports are tried concurrently (bounded), so
a list of a hundred filtered ports takes a few timeouts, not a hundred.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from ssi.checks.findings import Finding, Severity

CONCURRENCY = 32


def _is_open(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def scan(host: str, ports: Iterable[int], *, timeout: float = 1.0) -> list[int]:
    """The ports of ``ports`` accepting a TCP connection on ``host``, ascending."""
    wanted = sorted(set(ports))
    if not wanted:
        return []
    with ThreadPoolExecutor(max_workers=min(CONCURRENCY, len(wanted))) as pool:
        results = list(pool.map(lambda port: _is_open(host, port, timeout), wanted))
    return [port for port, is_open in zip(wanted, results, strict=True) if is_open]


def findings(open_ports: list[int], allowed: Iterable[int]) -> list[Finding]:
    """An open port the establishment did not declare as expected is exposed."""
    expected = set(allowed)
    return [
        Finding("ports", port, Severity.MEDIUM,
                f"port {port} ouvert alors qu'il n'est pas déclaré comme attendu")
        for port in open_ports if port not in expected
    ]
