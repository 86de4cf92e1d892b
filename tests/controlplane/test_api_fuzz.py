"""Property-based robustness of the whole HTTP API: schemathesis on the OpenAPI document.

Every operation of ``/openapi.json`` gets generated input, valid and invalid (wrong
types, out-of-range numbers, odd unicode, NUL characters, missing or extra fields,
bodies that are not JSON), as an operator, and as an establishment on the operations
its role may call. Whatever it sends, the API answers

- never a 5xx, and with a status the operation documents (and the documented content
  type, headers and response schema);
- a refused write (4xx) leaves nothing behind: no audit record, so no change;
- a request holding text no database can store (NUL, unpaired surrogate) is refused,
  on SQLite too, where it would otherwise have been stored (PostgreSQL refuses it).

One in-process application on one SQLite database serves the whole module (the
answers' validation does not depend on the backend; the regression tests of what this
found run on both). Its flushes are checked against PostgreSQL's rules
(``tests/support/pg_strict.py``: VARCHAR lengths, INTEGER ranges, NUL, NaN in JSON), so
a write only PostgreSQL would refuse fails here too. The database is seeded with one
object of each kind, so ids the fuzzer draws (1 is a favourite) reach past "not found"
into the handlers. Generation is derandomized and bounded (see ``CONFIG``): the same
run on CI as on a laptop.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from sqlalchemy import func, select

from controlplane import jobs
from controlplane.api.app import create_app
from controlplane.auth import Role, issue_token, role_allows
from controlplane.db import Database, Scope, get_database, reset_database, utcnow
from controlplane.finess import make_finess
from controlplane.models import AuditRecord, Tenant
from controlplane.schemas import TenantCreate, TenantKind
from controlplane.settings import Settings, get_settings
from controlplane.tenants import create as create_tenant
from ssi.campaigns import service as campaigns
from ssi.campaigns.schemas import CampaignCreate
from ssi.risks.schemas import StudyCreate
from ssi.risks.service import create_study
from tests.apps.factories import AppsFactory
from tests.hosting.factories import HostingFactory
from tests.network.factories import NetworkFactory
from tests.support.databases import SqliteFactory
from tests.support.pg_strict import strict_flushes

#: Cases the fuzzing phase draws per operation and role (positive and negative ones),
#: after the operation's documented examples. To search harder locally:
#: ``SOCLE_FUZZ_EXAMPLES=100 SOCLE_FUZZ_COVERAGE=1 pytest tests/controlplane/test_api_fuzz.py``
#: (the coverage phase adds every boundary and wrong type of every field).
MAX_EXAMPLES = int(os.environ.get("SOCLE_FUZZ_EXAMPLES", "10"))
COVERAGE = os.environ.get("SOCLE_FUZZ_COVERAGE", "") == "1"

CONFIG: dict[str, Any] = {
    "generation": {
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,  # Hypothesis' derandomize: the same cases on CI as here
        "database": "none",  # no .hypothesis/ directory in the checkout
        "with-security-parameters": False,  # the test sends a real token
    },
    "phases": {
        # The coverage phase (every boundary and wrong type of every field, ~50 cases per
        # operation, 1,400 for a risk study) takes the module past 7 minutes: off by
        # default. The fuzzing phase alone found the overflows, non-UTF-8 bodies and NULs
        # of test_api_input.py; the coverage phase found one more (a risk study's title
        # longer than its column): turn it on when changing input models.
        "coverage": {"enabled": COVERAGE, "unexpected-methods": []},
        "stateful": {"enabled": False},  # links between operations: not declared
    },
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_headers_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
    },
}


def _openapi() -> dict[str, Any]:
    """The API's OpenAPI document, from an application on a throwaway in-memory database
    (the document depends on the routes only)."""
    url = "sqlite://"
    settings = Settings(database_url=url, embedded_worker=False, scheduler_enabled=False)
    return create_app(settings, Database(url)).openapi()


OPENAPI = _openapi()


def _establishment_may(operation: Any) -> bool:
    """Whether the establishment role may call ``operation`` (its permission is the
    operation's bearer scope; elsewhere it only ever gets 403, which the operator's
    run already covers)."""
    security = OPENAPI["paths"][operation.path][operation.method].get("security") or []
    scopes = [scope for requirement in security for listed in requirement.values()
              for scope in listed]
    return any(role_allows(Role.ESTABLISHMENT, scope) for scope in scopes)


schema = schemathesis.openapi.from_dict(OPENAPI, config=schemathesis.Config.from_dict(CONFIG))
establishment_schema = schema.include(lambda context: _establishment_may(context.operation))


@dataclass
class Api:
    """The application under test, its database and the establishment the fuzzer acts as."""

    app: FastAPI
    database: Database
    tenant: Tenant

    def bearer(self, role: Role) -> dict[str, str]:
        """Headers carrying a fresh token of ``role`` (of :attr:`tenant` for an establishment)."""
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            tenant = db.get(Tenant, self.tenant.id) if role is Role.ESTABLISHMENT else None
            issued = issue_token(db, name=f"fuzz-{role.value}", role=role, tenant=tenant)
        return {"Authorization": f"Bearer {issued.secret}"}


def _seed(database: Database, marker: Path) -> Tenant:
    """One object of each kind (so id 1 exists), for the establishment's tenant; the
    queued test job marks ``marker`` (when the fuzzer cancels it)."""
    with database.transaction(scope=Scope.unrestricted()) as db:
        tenant = create_tenant(db, TenantCreate(finess=make_finess("69", 700_001),
                                                name="Établissement fuzz", kind=TenantKind.ES),
                               actor="tests")
        jobs.enqueue(db, kind="test.quick", tenant_id=tenant.id, actor="tests",
                     params={"marker": str(marker), "release": ""})
    net = NetworkFactory(database)
    circuit = net.circuit(tenant)
    net.device(net.site(tenant))
    net.maintenance(circuit=circuit)
    net.vrf(tenant)
    net.prefix(tenant)
    HostingFactory(database).subscription(tenant)
    apps = AppsFactory(database)
    apps.enrolment(tenant)
    apps.deployment()
    apps.instance()
    with database.transaction(scope=Scope.unrestricted()) as db:
        campaigns.open_campaign(db, CampaignCreate(
            name="fuzz", deadline=utcnow().date() + timedelta(days=30),
            tenants=[tenant.finess]), actor="tests")
        create_study(db, StudyCreate(tenant=tenant.finess, title="fuzz"), actor="tests")
    return tenant


@pytest.fixture(scope="module")
def api(sqlite_factory: SqliteFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The API on a seeded SQLite database, shared by the whole module."""
    url = sqlite_factory.new_url()
    with pytest.MonkeyPatch.context() as env:
        # Handlers and services read get_settings() too: point it at this database.
        env.setenv("SOCLE_DATABASE_URL", url)
        data_dir = tmp_path_factory.mktemp("fuzz-data")
        env.setenv("SOCLE_DATA_DIR", str(data_dir))
        env.setenv("SOCLE_EMBEDDED_WORKER", "false")
        env.setenv("SOCLE_SCHEDULER_ENABLED", "false")
        env.setenv("SOCLE_PLUGINS", "tests.jobkinds")
        env.setenv("SOCLE_NETWORK_SSH_TIMEOUT", "1")  # a plan reading a router fails fast
        get_settings.cache_clear()
        database = get_database(url)
        tenant = _seed(database, data_dir / "job-marker")
        with strict_flushes():  # what PostgreSQL would refuse fails here too
            yield Api(create_app(get_settings(), database), database, tenant)
        get_settings.cache_clear()
        reset_database()


def _unstorable(value: Any) -> bool:
    """Whether ``value`` holds text no database stores (NUL, unpaired surrogate)."""
    if isinstance(value, str):
        return "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_unstorable(v) for v in value)
    return False


def _sent_unstorable(case: schemathesis.Case, response: schemathesis.Response) -> bool:
    """Whether the request held a NUL in its URL (as sent: a percent-encoded URL cannot
    carry a surrogate) or unstorable text in its JSON body."""
    return "\x00" in unquote(response.request.url or "") or _unstorable(case.body)


def _last_audit_id(database: Database) -> int:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return db.scalar(select(func.max(AuditRecord.id))) or 0


def _exercise(case: schemathesis.Case, api: Api, headers: dict[str, str]) -> None:
    before = _last_audit_id(api.database)
    response = case.call_and_validate(app=api.app, headers=headers)
    if response.status_code >= 400:
        assert _last_audit_id(api.database) == before, (
            f"{case.method} {case.formatted_path} was refused ({response.status_code}) "
            "but wrote an audit record: a refused change must leave nothing behind")
    if _sent_unstorable(case, response):
        assert 400 <= response.status_code < 500, (
            f"{case.method} {case.formatted_path} accepted text holding NUL or an unpaired "
            f"surrogate ({response.status_code}): PostgreSQL would refuse it\n"
            f"path: {case.path_parameters!r}\nquery: {case.query!r}\nbody: {case.body!r}")


@pytest.fixture
def headers(api: Api, role: Role) -> dict[str, str]:
    """A fresh token per operation: the fuzzer revokes tokens (``DELETE /tokens/{id}``),
    its own among them."""
    return api.bearer(role)


# Each test is parametrized by the role it acts as: besides saying who calls, it gives
# every item its operation in its id (test_api_as[GET /api/v1/tenants][gcs-operator]),
# which schemathesis' unparametrized items lose on pytest 9.2.
FUZZ = hypothesis.settings(
    # One application for the module (the fixture is module-scoped; `role` is a plain value).
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture], deadline=None)


@schema.parametrize()
@pytest.mark.parametrize("role", [Role.GCS_OPERATOR], ids=str)
@FUZZ
def test_api_as(case: schemathesis.Case, api: Api, role: Role, headers: dict[str, str]) -> None:
    """No 5xx, documented answers, refused changes leave nothing, unstorable text refused."""
    _exercise(case, api, headers)


@establishment_schema.parametrize()
@pytest.mark.parametrize("role", [Role.ESTABLISHMENT], ids=str)
@FUZZ
def test_tenant_scoped_api_as(case: schemathesis.Case, api: Api, role: Role,
                              headers: dict[str, str]) -> None:
    """The same, as an establishment, on the operations its role may call."""
    _exercise(case, api, headers)


def test_audit_chain_still_verifies(api: Api) -> None:
    """After all of that, every change the fuzzer made is in an intact audit chain."""
    from fastapi.testclient import TestClient

    with TestClient(api.app) as client:
        answer = client.get("/api/v1/audit/verify", headers=api.bearer(Role.AUDITOR))
    assert answer.status_code == 200, answer.text
    assert answer.json()["ok"], answer.json()
