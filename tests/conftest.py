"""Fixtures every test shares: a fresh migrated database per test on each backend
(SQLite and PostgreSQL), the API app, tokens per role and tenants.

``SOCLE_TEST_DATABASES`` (default ``sqlite,postgresql``) selects the backends; when
PostgreSQL is asked for and its binaries are missing the run fails (``make test``
installs them), it is never silently skipped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controlplane import tenants
from controlplane.api.app import METRICS_TOKEN_FILE, create_app
from controlplane.auth import Role, issue_token
from controlplane.db import Database, Scope, reset_database
from controlplane.finess import make_finess
from controlplane.models import Tenant
from controlplane.schemas import TenantCreate, TenantKind
from controlplane.secrets import own_secret
from controlplane.settings import Settings, get_settings
from tests import jobkinds  # noqa: F401  (registers the test job kinds in this process too)
from tests.support.databases import PostgresFactory, SqliteFactory
from tests.support.postgres import PostgresCluster, find_bindir

BACKENDS = [
    name.strip()
    for name in os.environ.get("SOCLE_TEST_DATABASES", "sqlite,postgresql").split(",")
    if name.strip()
]


@pytest.fixture(scope="session")
def sqlite_factory(tmp_path_factory: pytest.TempPathFactory) -> SqliteFactory:
    return SqliteFactory(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    bindir = find_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL binaries not found: apt-get install postgresql "
                    "(or SOCLE_TEST_DATABASES=sqlite to run on SQLite only)")
    cluster = PostgresCluster.start(bindir)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def postgres_factory(postgres_cluster: PostgresCluster) -> Iterator[PostgresFactory]:
    factory = PostgresFactory(postgres_cluster)
    yield factory
    factory.close()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database on each backend in turn."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_factory").new_url()
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_factory").new_url()
    raise ValueError(f"unknown test backend {request.param!r}")


@pytest.fixture
def settings(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings pointing at the test database, without the embedded worker or scheduler."""
    monkeypatch.setenv("SOCLE_DATABASE_URL", database_url)
    monkeypatch.setenv("SOCLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SOCLE_EMBEDDED_WORKER", "false")
    monkeypatch.setenv("SOCLE_SCHEDULER_ENABLED", "false")
    monkeypatch.setenv("SOCLE_PLUGINS", "tests.jobkinds")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
    reset_database()


@pytest.fixture
def database(settings: Settings) -> Database:
    """The test's database."""
    from controlplane.db import get_database

    return get_database(settings.database_url)


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    """The API, in process (no network, real database)."""
    with TestClient(create_app(settings, database)) as test_client:
        yield test_client


@pytest.fixture
def metrics_headers(settings: Settings) -> dict[str, str]:
    """What Prometheus sends to scrape /metrics: the token in the data directory."""
    token = own_secret(Path(settings.data_dir).resolve(), METRICS_TOKEN_FILE)
    return {"Authorization": f"Bearer {token}"}


TenantFactory = Callable[..., Tenant]


@pytest.fixture
def make_tenant(database: Database) -> TenantFactory:
    """Create a tenant directly (audited as the test suite)."""
    serials = iter(range(500_000, 600_000))

    def create(department: str = "69", name: str | None = None,
               kind: TenantKind = TenantKind.ES) -> Tenant:
        finess = make_finess(department, next(serials))
        with database.transaction(scope=Scope.unrestricted()) as db:
            return tenants.create(
                db, TenantCreate(finess=finess, name=name or f"Établissement {finess}", kind=kind),
                actor="tests",
            )

    return create


TokenFactory = Callable[..., dict[str, str]]


@pytest.fixture
def auth(database: Database) -> TokenFactory:
    """``auth(role, tenant=None)`` → headers carrying a fresh token of that role."""

    def headers(role: Role | str, tenant: Tenant | None = None) -> dict[str, str]:
        with database.transaction(scope=Scope.unrestricted()) as db:
            issued = issue_token(db, name=f"test-{Role(role).value}", role=Role(role),
                                 tenant=db.get(Tenant, tenant.id) if tenant else None)
        return {"Authorization": f"Bearer {issued.secret}"}

    return headers
