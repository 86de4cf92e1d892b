"""Fresh, migrated databases for each test, on SQLite and PostgreSQL.

The schema is migrated once per backend into a template; each test then gets a copy
(a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), so every test
starts from the real migrated schema in milliseconds.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text

from controlplane.db.migrate import upgrade
from tests.support.postgres import PostgresCluster

TEMPLATE = "socle_template"


class SqliteFactory:
    """Copies of a migrated SQLite file."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.template = workdir / "template.db"
        upgrade(f"sqlite:///{self.template}")
        self._counter = itertools.count(1)

    def new_url(self) -> str:
        """URL of a fresh copy of the migrated database."""
        target = self.workdir / f"test-{next(self._counter)}.db"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"


class PostgresFactory:
    """Databases created from a migrated template in a throwaway cluster."""

    def __init__(self, cluster: PostgresCluster) -> None:
        self.cluster = cluster
        self._admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with self._admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {TEMPLATE}"))
        upgrade(cluster.url(TEMPLATE))
        self._counter = itertools.count(1)

    def new_url(self) -> str:
        """URL of a fresh database cloned from the migrated template."""
        name = f"test_{next(self._counter)}"
        with self._admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
        return self.cluster.url(name)

    def close(self) -> None:
        """Release the admin connection."""
        self._admin.dispose()
