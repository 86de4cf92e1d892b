"""The HTTP API under concurrent load, on SQLite and PostgreSQL, against a bare anchor.

``python bench/api.py`` (from the venv). For each store it migrates a database, seeds
10,000 tenants, issues an operator token, then serves the same database twice, one
uvicorn process at a time, each driven by 16 keep-alive clients on the loopback:

* Socle: ``socle serve`` (token lookup, tenant scoping, FINESS validation, audit chain
  appended in the same transaction, problem+json errors, metrics middleware);
* the anchor: the bare FastAPI + SQLAlchemy app below (``--serve-anchor``), the same
  two operations on the same ``tenants`` table, with nothing else.

Each server gets a warm-up, then 1,500 ``GET /api/v1/tenants?limit=50&offset=..``
(one in five filtered by ``department=69``), then 750 ``POST /api/v1/tenants``.
Every request must answer as expected or the bench fails. ``ratio`` is Socle's server
CPU seconds over the anchor's for the same work, summed over both stores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Boolean, DateTime, Engine, String, create_engine, event, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench._support import (  # noqa: E402
    LOOPBACK,
    BenchError,
    Call,
    LoadResult,
    ServerProcess,
    free_port,
    live_server,
    percentile,
    run_load,
    tree_cpu_seconds,
)

TENANTS = 10_000
LIST_REQUESTS = 1_500
CREATE_REQUESTS = 750
WARMUP_LISTS = 100
WARMUP_CREATES = 20
CONCURRENCY = 16
PAGE_SIZE = 50
FILTER_DEPARTMENT = "69"
FILTER_EVERY = 5
RANDOM_SEED = 20261127
KINDS = ("ES", "EMS", "ESMS", "LBM", "CDS", "MSP", "PS")

# Controlplane is imported only by the bench driver, never by the anchor process: its
# tenant-scoping listeners are registered on SQLAlchemy's Session class, process-wide.


# --- The anchor: a bare FastAPI + SQLAlchemy app on the same table ------------------


class AnchorBase(DeclarativeBase):
    """Declarative base of the anchor (its own metadata; the schema is Socle's)."""


class AnchorTenant(AnchorBase):
    """The columns of Socle's ``tenants`` table, mapped plainly."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    finess: Mapped[str] = mapped_column(String(9))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AnchorTenantIn(BaseModel):
    """A new tenant: pydantic types only."""

    finess: str
    name: str
    kind: str
    department: str


class AnchorTenantOut(BaseModel):
    """A tenant as the anchor shows it (the fields Socle shows)."""

    model_config = ConfigDict(from_attributes=True)

    finess: str
    name: str
    kind: str
    department: str
    active: bool
    created_at: datetime
    updated_at: datetime


class AnchorPage(BaseModel):
    """One page of tenants, with the total, like Socle's."""

    items: list[AnchorTenantOut]
    total: int
    limit: int
    offset: int


def anchor_engine(url: str, pool_size: int | None = None) -> Engine:
    """An engine with the settings any app needs on this store (WAL and busy wait on
    SQLite); ``pool_size`` (connections, plus 10 overflow) when a bench sizes it."""
    sized = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 10}
    if not url.startswith("sqlite"):
        return create_engine(url, **({"pool_size": 10, "max_overflow": 20} | sized))
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           **sized)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def anchor_session(request: Request) -> Iterator[Session]:
    """One session per request, committed when the handler returns."""
    with request.app.state.sessions.begin() as session:
        yield session


AnchorDb = Annotated[Session, Depends(anchor_session, scope="function")]
anchor_router = APIRouter(prefix="/api/v1/tenants")


@anchor_router.get("", response_model=AnchorPage)
def anchor_list(
    db: AnchorDb, limit: int = 100, offset: int = 0, department: str | None = None
) -> AnchorPage:
    """A page of tenants ordered by FINESS, and how many match."""
    stmt = select(AnchorTenant).order_by(AnchorTenant.finess)
    if department:
        stmt = stmt.where(AnchorTenant.department == department)
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = db.scalars(stmt.limit(limit).offset(offset))
    return AnchorPage(
        items=[AnchorTenantOut.model_validate(t) for t in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@anchor_router.post("", status_code=status.HTTP_201_CREATED, response_model=AnchorTenantOut)
def anchor_create(body: AnchorTenantIn, db: AnchorDb) -> AnchorTenantOut:
    """Insert a tenant."""
    now = datetime.now(UTC)
    tenant = AnchorTenant(**body.model_dump(), active=True, created_at=now, updated_at=now)
    db.add(tenant)
    db.flush()
    return AnchorTenantOut.model_validate(tenant)


def create_anchor_app(url: str, pool_size: int | None = None) -> FastAPI:
    """The anchor application on the database at ``url``; with ``pool_size``, at most
    ``pool_size - 10`` requests in it at once (what any FastAPI app with a per-request
    session needs under many clients, see ``controlplane/api/admission.py``)."""
    app = FastAPI(title="anchor")
    app.state.sessions = sessionmaker(anchor_engine(url, pool_size), expire_on_commit=False)
    if pool_size is not None:
        slots = asyncio.Semaphore(pool_size - 10)

        @app.middleware("http")
        async def admit(request: Request, call_next: Any) -> Any:
            async with slots:
                return await call_next(request)

    app.include_router(anchor_router)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def serve_anchor(port: int, url: str, pool_size: int | None = None) -> None:
    """Serve the anchor on the loopback (one uvicorn process, like ``socle serve``)."""
    uvicorn.run(create_anchor_app(url, pool_size), host=LOOPBACK, port=port,
                log_level="warning")


# --- Preparing a store --------------------------------------------------------------


class FinessSequence:
    """Fresh valid FINESS numbers, spread over every department in turn."""

    def __init__(self) -> None:
        from controlplane.finess import DEPARTMENTS

        self._departments = sorted(DEPARTMENTS)
        self._next = 0

    def take(self) -> tuple[str, str]:
        """The next (FINESS, department) pair, never given before by this sequence."""
        from controlplane.finess import make_finess

        index, self._next = self._next, self._next + 1
        department = self._departments[index % len(self._departments)]
        return make_finess(department, index // len(self._departments)), department


def seed_rows(finess: FinessSequence) -> list[dict[str, Any]]:
    """``TENANTS`` rows of the ``tenants`` table, with valid FINESS numbers."""
    from controlplane.db import utcnow

    rng = random.Random(RANDOM_SEED)
    now = utcnow()
    rows = []
    for serial in range(TENANTS):
        number, department = finess.take()
        rows.append(
            {
                "finess": number,
                "name": f"Établissement de test {serial}",
                "kind": rng.choice(KINDS),
                "department": department,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


def prepare_database(url: str, finess: FinessSequence) -> str:
    """Migrate, seed ``TENANTS`` tenants in bulk, and return a new operator token."""
    from sqlalchemy import insert

    from controlplane.auth import Role, issue_token
    from controlplane.db import Database, Scope
    from controlplane.db.migrate import upgrade
    from controlplane.models import Tenant

    upgrade(url)
    database = Database(url)
    try:
        with database.transaction(scope=Scope.unrestricted()) as db:
            db.execute(insert(Tenant), seed_rows(finess))
            issued = issue_token(db, name="bench-api", role=Role.GCS_OPERATOR, tenant=None)
    finally:
        database.dispose()
    settle_database(url)
    return issued.secret


def settle_database(url: str) -> None:
    """Planner statistics (and PostgreSQL's visibility map) up to date after the bulk load.

    Without it the first server measured pays for it (bad plans, hint bits) and the
    second does not.
    """
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE" if url.startswith("sqlite") else "VACUUM ANALYZE")
    finally:
        engine.dispose()


@contextmanager
def sqlite_store(workdir: Path) -> Iterator[tuple[str, Callable[[], float] | None]]:
    """A SQLite file in ``workdir`` (its database work runs inside the server process)."""
    yield f"sqlite:///{workdir / 'bench.db'}", None


@contextmanager
def postgres_store(workdir: Path) -> Iterator[tuple[str, Callable[[], float] | None]]:
    """A database in a throwaway cluster, and a reader of the cluster's CPU seconds."""
    from sqlalchemy import text

    from tests.support.postgres import PostgresCluster, find_bindir

    bindir = find_bindir()
    if bindir is None:
        raise BenchError("PostgreSQL binaries not found (apt-get install postgresql)")
    cluster = PostgresCluster.start(bindir)
    try:
        admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE socle_bench"))
        admin.dispose()
        postmaster = int((cluster.datadir / "postmaster.pid").read_text().split()[0])
        yield cluster.url("socle_bench"), lambda: tree_cpu_seconds(postmaster)
    finally:
        cluster.stop()


# --- Driving a server ---------------------------------------------------------------


def list_calls(count: int, rng: random.Random) -> list[Call]:
    """``count`` full-page requests at random offsets, one in ``FILTER_EVERY`` by department."""
    from controlplane.finess import DEPARTMENTS

    per_department = TENANTS // len(DEPARTMENTS)
    calls = []
    for index in range(count):
        if index % FILTER_EVERY == 0:
            offset = rng.randrange(0, per_department - PAGE_SIZE)
            query = f"department={FILTER_DEPARTMENT}&limit={PAGE_SIZE}&offset={offset}"
        else:
            query = f"limit={PAGE_SIZE}&offset={rng.randrange(0, TENANTS - PAGE_SIZE)}"
        calls.append(Call("list", "GET", f"/api/v1/tenants?{query}"))
    return calls


def create_calls(count: int, finess: FinessSequence, rng: random.Random) -> list[Call]:
    """``count`` creations of tenants with fresh FINESS numbers."""
    calls = []
    for _ in range(count):
        number, department = finess.take()
        body = {
            "finess": number,
            "name": f"Nouvel établissement {number}",
            "kind": rng.choice(KINDS),
            "department": department,
        }
        calls.append(Call("create", "POST", "/api/v1/tenants", json=body, expect=201))
    return calls


@dataclass(frozen=True)
class OpStats:
    """How one operation went on one server: its figures and the CPU it cost."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_seconds: float
    db_cpu_seconds: float | None

    @property
    def rps(self) -> float:
        """Throughput, requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class ServerRun:
    """One server's measured run on one store."""

    store: str
    app: str
    ops: dict[str, OpStats] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        """Measured requests, every operation."""
        return sum(s.requests for s in self.ops.values())

    @property
    def rps(self) -> float:
        """Overall throughput of the measured phases."""
        return self.requests / sum(s.seconds for s in self.ops.values())

    @property
    def cpu_seconds(self) -> float:
        """Server CPU seconds of the measured phases."""
        return sum(s.cpu_seconds for s in self.ops.values())


def checked_load(port: int, calls: Sequence[Call], token: str | None) -> LoadResult:
    """Run a load; any failed request fails the bench, loudly."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    result = run_load(port, calls, concurrency=CONCURRENCY, headers=headers)
    if result.errors:
        shown = "\n  ".join(result.errors[:10])
        raise BenchError(f"{len(result.errors)} of {len(calls)} requests failed:\n  {shown}")
    return result


def measure_phase(
    server: ServerProcess,
    op: str,
    calls: Sequence[Call],
    token: str | None,
    db_cpu: Callable[[], float] | None,
) -> OpStats:
    """Run one operation's load and read the server's (and database's) CPU around it."""
    cpu_before, db_before = server.cpu_seconds(), db_cpu() if db_cpu else 0.0
    result = checked_load(server.port, calls, token)
    cpu = server.cpu_seconds() - cpu_before
    db = db_cpu() - db_before if db_cpu else None
    latencies = result.latencies[op]
    return OpStats(
        requests=len(latencies),
        seconds=result.wall_seconds,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        cpu_seconds=cpu,
        db_cpu_seconds=db,
    )


def measure_server(
    run: ServerRun,
    argv: list[str],
    *,
    env: dict[str, str] | None,
    workdir: Path,
    token: str | None,
    finess: FinessSequence,
    db_cpu: Callable[[], float] | None,
) -> ServerRun:
    """Start a server, warm it up, then measure lists, then creates."""
    rng = random.Random(RANDOM_SEED)
    port = free_port()
    log_path = workdir / f"{run.store}-{run.app}.log"
    with live_server(
        f"{run.app} server", [*argv, "--port", str(port)], port=port, log_path=log_path, env=env
    ) as server:
        warmup = list_calls(WARMUP_LISTS, rng) + create_calls(WARMUP_CREATES, finess, rng)
        checked_load(server.port, warmup, token)
        lists, creates = list_calls(LIST_REQUESTS, rng), create_calls(CREATE_REQUESTS, finess, rng)
        run.ops["list"] = measure_phase(server, "list", lists, token, db_cpu)
        run.ops["create"] = measure_phase(server, "create", creates, token, db_cpu)
    return run


def socle_argv() -> list[str]:
    """``socle serve`` from this interpreter's environment."""
    socle = Path(sys.executable).parent / "socle"
    if not socle.exists():
        raise BenchError(f"{socle} not found: run the bench with the venv's python")
    return [str(socle), "serve", "--host", LOOPBACK]


def bench_store(
    store: str, url: str, db_cpu: Callable[[], float] | None, workdir: Path
) -> list[ServerRun]:
    """Prepare the store's database, then measure Socle and the anchor on it."""
    finess = FinessSequence()
    started = time.perf_counter()
    token = prepare_database(url, finess)
    print(
        f"{store}: migrated and seeded {TENANTS} tenants in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    env = {
        **os.environ,
        "SOCLE_DATABASE_URL": url,
        "SOCLE_EMBEDDED_WORKER": "false",
        "SOCLE_LOG_LEVEL": "warning",
        "SOCLE_DATA_DIR": str(workdir / "data"),
    }
    anchor = [sys.executable, str(Path(__file__).resolve()), "--serve-anchor", "--url", url]
    runs = []
    for app, argv, server_env, app_token in (
        ("socle", socle_argv(), env, token),
        ("anchor", anchor, None, None),
    ):
        run = measure_server(
            ServerRun(store, app),
            argv,
            env=server_env,
            workdir=workdir,
            token=app_token,
            finess=finess,
            db_cpu=db_cpu,
        )
        print(f"{store}: {app} done ({run.requests} requests, {run.rps:.0f} req/s)", flush=True)
        runs.append(run)
    return runs


# --- Report -------------------------------------------------------------------------


def print_report(runs: Sequence[ServerRun]) -> None:
    """Per store, app and operation: requests, throughput, latencies and CPU per request."""
    print(
        f"\n{'store':<9}{'app':<7}{'op':<7}{'requests':>9}{'req/s':>8}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'server CPU ms/req':>18}{'postgres CPU ms/req':>20}"
    )
    for run in runs:
        for op, stats in run.ops.items():
            db = stats.db_cpu_seconds
            print(
                f"{run.store:<9}{run.app:<7}{op:<7}{stats.requests:>9}{stats.rps:>8.1f}"
                f"{stats.p50_ms:>9.2f}{stats.p99_ms:>9.2f}"
                f"{stats.cpu_seconds / stats.requests * 1000:>18.2f}"
                f"{'-' if db is None else f'{db / stats.requests * 1000:.2f}':>20}"
            )
    print(f"\n{'store':<9}{'app':<7}{'server CPU s':>13}{'postgres CPU s':>15}")
    for run in runs:
        db_values = [s.db_cpu_seconds for s in run.ops.values() if s.db_cpu_seconds is not None]
        db = f"{sum(db_values):.2f}" if db_values else "-"
        print(f"{run.store:<9}{run.app:<7}{run.cpu_seconds:>13.2f}{db:>15}")


def summary_line(runs: Sequence[ServerRun]) -> str:
    """The bench's last line: Socle's figures per store and the CPU ratio to the anchor."""
    parts = []
    for store in ("sqlite", "postgres"):
        socle = next(r for r in runs if r.store == store and r.app == "socle")
        for op in ("list", "create"):
            parts.append(f"{store}_{op}_p50_ms={socle.ops[op].p50_ms:.2f}")
            parts.append(f"{store}_{op}_p99_ms={socle.ops[op].p99_ms:.2f}")
        parts.append(f"{store}_rps={socle.rps:.1f}")
    socle_cpu = sum(r.cpu_seconds for r in runs if r.app == "socle")
    anchor_cpu = sum(r.cpu_seconds for r in runs if r.app == "anchor")
    parts.append(f"ratio={socle_cpu / anchor_cpu:.2f}")
    return "bench api: " + " ".join(parts)


def _interrupt_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # the same clean-up as Ctrl-C


def run_bench() -> None:
    """Both stores, Socle and the anchor on each; every subprocess and file cleaned up."""
    signal.signal(signal.SIGTERM, _interrupt_on_sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="socle-bench-api-"))
    runs: list[ServerRun] = []
    try:
        for store, open_store in (("sqlite", sqlite_store), ("postgres", postgres_store)):
            with open_store(workdir) as (url, db_cpu):
                runs += bench_store(store, url, db_cpu, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print_report(runs)
    print(summary_line(runs))


def main(argv: Sequence[str] | None = None) -> int:
    """``bench/api.py`` runs the bench; ``--serve-anchor`` is how it starts the anchor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve-anchor", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--pool-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_anchor:
        serve_anchor(args.port, args.url, args.pool_size)
        return 0
    try:
        run_bench()
    except BenchError as exc:
        print(f"bench api: FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench api: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
