"""The API under many concurrent clients, on SQLite and PostgreSQL, against a bare anchor.

``python bench/api_load.py [--seconds 60] [--clients 200]`` (from the venv). For each
store it migrates a database, seeds 10,000 tenants and issues an operator token (as
``bench/api.py`` does), then serves it with ``socle serve``, then with the bare FastAPI +
SQLAlchemy anchor of ``bench/api.py`` on the same table, one at a time. Each server is
driven for ``--seconds`` by ``--clients`` keep-alive clients, each sending its next
request as soon as the previous one is answered: nine in ten list a page of tenants,
one in ten creates a tenant (a write, audited in Socle). Meanwhile a prober asks
``/healthz`` every half second. Every request must answer as expected: errors are
counted and printed, never hidden.

The last line gives, per store, Socle's requests/s, p50/p99 latency, errors and the
slowest ``/healthz`` answer; ``ratio`` is Socle's server CPU seconds per request over the
anchor's, summed over both stores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench._support import (  # noqa: E402
    LOOPBACK,
    BenchError,
    ServerProcess,
    free_port,
    live_server,
    percentile,
)
from bench.api import (  # noqa: E402
    KINDS,
    FinessSequence,
    list_calls,
    postgres_store,
    prepare_database,
    socle_argv,
    sqlite_store,
)

WRITE_EVERY = 10  # one request in ten is a write
HEALTH_EVERY = 0.5  # seconds between two /healthz probes
HEALTH_TIMEOUT = 10.0
REQUEST_TIMEOUT = 60.0
RANDOM_SEED = 20261208


@dataclass
class Load:
    """What the clients saw: latencies per operation, errors, /healthz answers."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"list": [], "create": []})
    errors: list[str] = field(default_factory=list)
    health: list[float] = field(default_factory=list)  # seconds; inf when it failed
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        """Requests answered (as expected or not)."""
        return sum(len(v) for v in self.latencies.values())


class Requests:
    """The clients' next requests: a shared, thread-safe stream of (op, method, path, body)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(RANDOM_SEED)
        self._finess = FinessSequence()
        self._count = 0
        for _ in range(20_000):  # past the seeded tenants' numbers
            self._finess.take()

    def next(self) -> tuple[str, str, str, bytes | None]:
        """The next request to send."""
        with self._lock:
            self._count += 1
            if self._count % WRITE_EVERY == 0:
                number, department = self._finess.take()
                body = json.dumps({"finess": number, "name": f"Charge {number}",
                                   "kind": self._rng.choice(KINDS),
                                   "department": department}).encode()
                return "create", "POST", "/api/v1/tenants", body
            (call,) = list_calls(1, self._rng)
            return "list", "GET", call.path, None


def _client(port: int, token: str | None, requests: Requests, load: Load,
            stop: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=REQUEST_TIMEOUT)
    try:
        while not stop.is_set():
            op, method, path, body = requests.next()
            sent = {**headers, "Content-Type": "application/json"} if body else headers
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=sent)
                response = connection.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                with load.lock:
                    load.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - started
            expected = 201 if method == "POST" else 200
            with load.lock:
                load.latencies[op].append(elapsed)
                if response.status != expected:
                    load.errors.append(f"{method} {path}: {response.status}: "
                                       f"{payload[:160].decode(errors='replace')}")
    finally:
        connection.close()


def _prober(port: int, load: Load, stop: threading.Event) -> None:
    while not stop.wait(HEALTH_EVERY):
        started = time.perf_counter()
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=HEALTH_TIMEOUT)
        try:
            connection.request("GET", "/healthz")
            answered = connection.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            answered = False
        finally:
            connection.close()
        with load.lock:
            load.health.append(time.perf_counter() - started if answered else float("inf"))


def drive(port: int, token: str | None, requests: Requests, *, clients: int,
          seconds: float) -> Load:
    """``clients`` clients and the /healthz prober against ``port`` for ``seconds``."""
    load, stop = Load(), threading.Event()
    threads = [threading.Thread(target=_client, args=(port, token, requests, load, stop),
                                daemon=True) for _ in range(clients)]
    threads.append(threading.Thread(target=_prober, args=(port, load, stop), daemon=True))
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 5)
    load.seconds = time.perf_counter() - started
    return load


@dataclass(frozen=True)
class Run:
    """One server's run on one store."""

    store: str
    app: str
    load: Load
    cpu_seconds: float

    def figure(self, op: str, fraction: float) -> float:
        """A latency percentile of ``op``, in ms."""
        values = self.load.latencies[op]
        return percentile(values, fraction) * 1000 if values else float("nan")

    @property
    def rps(self) -> float:
        """Requests answered per second."""
        return self.load.requests / self.load.seconds

    @property
    def worst_health_s(self) -> float:
        """The slowest /healthz answer (inf: one went unanswered)."""
        return max(self.load.health, default=float("inf"))


def measure(store: str, app: str, argv: Sequence[str], env: dict[str, str] | None,
            token: str | None, workdir: Path, requests: Requests, *, clients: int,
            seconds: float) -> Run:
    """Start one server, warm it up for a few seconds, then drive and measure it."""
    port = free_port()
    with live_server(f"{app} server", [*argv, "--port", str(port)], port=port,
                     log_path=workdir / f"{store}-{app}.log", env=env) as server:
        drive(port, token, requests, clients=8, seconds=3)  # warm-up
        before = server.cpu_seconds()
        load = drive(port, token, requests, clients=clients, seconds=seconds)
        run = Run(store, app, load, server.cpu_seconds() - before)
        _show(run, server)
    return run


def _show(run: Run, server: ServerProcess) -> None:
    print(f"{run.store}: {run.app}: {run.load.requests} requests, {run.rps:.0f} req/s, "
          f"{len(run.load.errors)} errors, slowest /healthz {run.worst_health_s:.2f} s",
          flush=True)
    for error in run.load.errors[:5]:
        print(f"  {error}", flush=True)
    if run.load.errors and run.app == "socle":
        print(server.log_tail(10), flush=True)


def bench_store(store: str, open_store: Callable[[Path], Iterator[tuple[str, object]]],
                workdir: Path, *, clients: int, seconds: float) -> list[Run]:
    """Prepare the store, then measure Socle and the anchor on it."""
    import os

    with open_store(workdir) as (url, _db_cpu):  # type: ignore[attr-defined]
        token = prepare_database(url, FinessSequence())
        env = {**os.environ, "SOCLE_DATABASE_URL": url, "SOCLE_EMBEDDED_WORKER": "false",
               "SOCLE_LOG_LEVEL": "warning", "SOCLE_DATA_DIR": str(workdir / f"data-{store}")}
        # the anchor's pools sized like Socle's (40 threads + 10): the same fix, bare
        anchor = [sys.executable, str(REPO_ROOT / "bench" / "api.py"), "--serve-anchor",
                  "--url", url, "--pool-size", "50"]
        requests = Requests()  # one stream of fresh FINESS numbers for both servers
        return [measure(store, "socle", socle_argv(), env, token, workdir, requests,
                        clients=clients, seconds=seconds),
                measure(store, "anchor", anchor, None, None, workdir, requests,
                        clients=clients, seconds=seconds)]


def summary_line(runs: Sequence[Run]) -> str:
    """The bench's last line."""
    parts = []
    for run in runs:
        if run.app != "socle":
            continue
        parts += [f"{run.store}_rps={run.rps:.1f}",
                  f"{run.store}_p50_ms={run.figure('list', 0.5):.1f}",
                  f"{run.store}_p99_ms={run.figure('list', 0.99):.1f}",
                  f"{run.store}_write_p99_ms={run.figure('create', 0.99):.1f}",
                  f"{run.store}_errors={len(run.load.errors)}",
                  f"{run.store}_worst_healthz_s={run.worst_health_s:.2f}"]
    per_request = {app: sum(r.cpu_seconds for r in runs if r.app == app)
                   / max(1, sum(r.load.requests for r in runs if r.app == app))
                   for app in ("socle", "anchor")}
    cpu = sum(r.cpu_seconds for r in runs if r.app == "socle")
    parts += [f"socle_cpu_s={cpu:.1f}", f"ratio={per_request['socle'] / per_request['anchor']:.2f}"]
    return "bench api_load: " + " ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bench on both stores; exit 1 when a request failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--store", choices=("sqlite", "postgres"), action="append")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    workdir = Path(tempfile.mkdtemp(prefix="socle-bench-load-"))
    runs: list[Run] = []
    try:
        for store, open_store in (("sqlite", sqlite_store), ("postgres", postgres_store)):
            if args.store and store not in args.store:
                continue
            runs += bench_store(store, open_store, workdir, clients=args.clients,
                                seconds=args.seconds)
    except BenchError as exc:
        print(f"bench api_load: FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(summary_line(runs))
    return 1 if any(r.load.errors for r in runs if r.app == "socle") else 0


if __name__ == "__main__":
    sys.exit(main())
