"""Helpers shared by the benches: live servers in subprocesses, their CPU time, HTTP load.

Everything listens on the loopback only. A bench starts a server with
:func:`live_server`, drives it with :func:`run_load` and reads the server's CPU time
from ``/proc`` before and after (no extra dependency). The load generator uses the
standard library's ``http.client`` (keep-alive, one connection per client thread): it
costs a fraction of the CPU of a full-featured client, which matters when it shares a
small machine with the server it measures.
"""

from __future__ import annotations

import http.client
import itertools
import json
import math
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """A bench could not run as designed (a server did not start, a request failed...)."""


def free_port() -> int:
    """A TCP port free on the loopback right now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _stat_fields(pid: int) -> list[str]:
    """Fields of ``/proc/PID/stat`` from the state on (the command name may hold spaces)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by a live process (all its threads)."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def children_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process's children that have exited and been reaped."""
    fields = _stat_fields(pid)
    return (int(fields[13]) + int(fields[14])) / _CLOCK_TICKS


def _parent_pids() -> dict[int, int]:
    """Every live process id mapped to its parent's."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat_fields(int(entry.name))[1])
            except (OSError, ValueError, IndexError):
                continue  # exited meanwhile
    return parents


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and all its descendants, live or exited and reaped.

    For servers that fork a process per connection (PostgreSQL): the difference between
    two readings is the work done in between, whichever processes did it.
    """
    parents = _parent_pids()
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    total = 0.0
    for member in tree:
        try:
            total += cpu_seconds(member) + children_cpu_seconds(member)
        except OSError:
            continue  # exited between the scan and the reading
    return total


def _status(port: int, path: str) -> int | None:
    """The status of ``GET path`` on the loopback, or None when nothing answers."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=1.0)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


@dataclass
class ServerProcess:
    """A server running in a subprocess, listening on ``port`` of the loopback."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def cpu_seconds(self) -> float:
        """CPU seconds the server process has used so far."""
        return cpu_seconds(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's output (for error messages)."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait_ready(self, path: str = "/healthz", timeout: float = 30.0) -> None:
        """Block until ``GET path`` answers 200; fail if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            if _status(self.port, path) == 200:
                return
            time.sleep(0.1)
        raise BenchError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to shut down (SIGINT), kill it if it does not within ``timeout``."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def live_server(
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    ready_path: str = "/healthz",
    timeout: float = 30.0,
) -> Iterator[ServerProcess]:
    """Start ``argv`` (a server listening on ``port``), wait until it answers, stop it after.

    The server runs in its own session so a Ctrl-C in the terminal reaches the bench
    only; the bench stops the server itself on the way out, whatever happened.
    """
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            start_new_session=True,
        )
    server = ServerProcess(name, process, port, log_path)
    try:
        server.wait_ready(ready_path, timeout)
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class Call:
    """One HTTP request of a load, tagged with the operation it measures."""

    op: str
    method: str
    path: str
    json: Any = None
    expect: int = 200


@dataclass
class LoadResult:
    """Latencies (seconds) per operation, failures, and the wall time of a load."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def requests(self) -> int:
        """How many requests got an answer (successful or not)."""
        return sum(len(values) for values in self.latencies.values())


def _send(
    connection: http.client.HTTPConnection,
    call: Call,
    headers: Mapping[str, str],
    result: LoadResult,
) -> None:
    body = None if call.json is None else json.dumps(call.json).encode()
    if body is not None:
        headers = {**headers, "Content-Type": "application/json"}
    started = time.perf_counter()
    try:
        connection.request(call.method, call.path, body=body, headers=dict(headers))
        response = connection.getresponse()
        payload = response.read()
    except (OSError, http.client.HTTPException) as exc:
        connection.close()  # the next request reconnects
        result.errors.append(f"{call.method} {call.path}: {type(exc).__name__}: {exc}")
        return
    result.latencies[call.op].append(time.perf_counter() - started)
    if response.status != call.expect:
        result.errors.append(
            f"{call.method} {call.path}: {response.status} (expected {call.expect}): "
            f"{payload[:200].decode(errors='replace')}"
        )


def run_load(
    port: int,
    calls: Sequence[Call],
    *,
    concurrency: int,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> LoadResult:
    """Send ``calls`` to the loopback ``port`` from ``concurrency`` keep-alive clients.

    Each client (a thread) sends its next request as soon as the previous one is
    answered, so the server sees ``concurrency`` requests in flight.
    """
    result = LoadResult(latencies={call.op: [] for call in calls})
    next_index = itertools.count()
    stop = threading.Event()

    def client_loop() -> None:
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
        try:
            while not stop.is_set():
                index = next(next_index)
                if index >= len(calls):
                    return
                _send(connection, calls[index], headers or {}, result)
        finally:
            connection.close()

    started = time.perf_counter()
    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="load")
    try:
        for future in [executor.submit(client_loop) for _ in range(concurrency)]:
            future.result()
    finally:
        stop.set()
        executor.shutdown(wait=True, cancel_futures=True)
    result.wall_seconds = time.perf_counter() - started
    return result


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (``fraction`` in 0..1); 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]
