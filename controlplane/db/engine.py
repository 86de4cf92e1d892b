"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production).

SQLite allows one writer at a time: sessions that will write start with
``BEGIN IMMEDIATE`` so that two writers queue on the lock (busy timeout) instead of
failing when a read transaction tries to upgrade. Read-only sessions use a plain
``BEGIN`` and run alongside (WAL mode). PostgreSQL needs neither trick.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from controlplane.db.scope import Scope

SQLITE_BUSY_TIMEOUT_MS = 30_000


#: Connections a process may hold beyond its API threads (the embedded worker and
#: scheduler, the metrics exposition).
POOL_HEADROOM = 10


def _sqlite_engine(url: str, *, begin: str, pool_size: int) -> Engine:
    in_memory = make_url(url).database in (None, "", ":memory:")  # one connection, no pool
    sized = {} if in_memory else {"pool_size": pool_size, "max_overflow": POOL_HEADROOM}
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           **sized)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy events emit BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


def private_sqlite_file(url: str) -> None:
    """Make the SQLite database file of ``url`` (and its WAL and shared-memory files)
    readable by this user only (0600), creating it so before SQLite does under the umask;
    nothing for PostgreSQL or an in-memory database. It holds tokens' hashes, the audit
    log and every tenant's records."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or \
            parsed.database == ":memory:":
        return
    path = Path(parsed.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


class Database:
    """One database: its engines and session factories.

    Use :meth:`session` for a plain session, :meth:`transaction` for a unit of work
    that commits on success and rolls back on error.
    """

    def __init__(self, url: str, *, threads: int = 40) -> None:
        """``threads``: how many threads of this process may use it at once (the API's
        thread pool): each pool holds that many connections plus :data:`POOL_HEADROOM`,
        so a request never waits for a connection another request holds."""
        self.url = url
        pool_size = threads + POOL_HEADROOM
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            private_sqlite_file(url)
            self.engine = _sqlite_engine(url, begin="BEGIN IMMEDIATE", pool_size=pool_size)
            self.read_engine = _sqlite_engine(url, begin="BEGIN", pool_size=pool_size)
        else:
            # No pre-ping (a round trip per checkout); a dropped connection is detected
            # on use, the pool is invalidated and the next checkout reconnects.
            self.engine = create_engine(url, pool_size=pool_size, max_overflow=POOL_HEADROOM,
                                        pool_recycle=1800)
            self.read_engine = self.engine
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)

    def session(self, *, scope: Scope, write: bool = True) -> Session:
        """A new session bound to ``scope``; ``write=False`` for read-only work."""
        session = (self._writer if write else self._reader)()
        session.info["scope"] = scope
        return session

    @contextmanager
    def transaction(self, *, scope: Scope, write: bool = True) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises."""
        session = self.session(scope=scope, write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


_lock = threading.Lock()
_databases: dict[str, Database] = {}


def get_database(url: str | None = None) -> Database:
    """The process-wide :class:`Database` for ``url`` (default: the configured one)."""
    from controlplane.settings import get_settings

    settings = get_settings()
    url = url or settings.database_url
    with _lock:
        if url not in _databases:
            _databases[url] = Database(url, threads=settings.api_threads)
        return _databases[url]


def reset_database() -> None:
    """Dispose every cached database (tests, and after fork)."""
    with _lock:
        for database in _databases.values():
            database.dispose()
        _databases.clear()
