"""The authorization matrix's vocabulary: the world example requests act on, and a Case.

Planes add their routes' example requests in ``tests/<plane>/authz_cases*.py`` modules,
each defining ``CASES: dict[tuple[str, str], Case]``; the matrix
(``tests/controlplane/test_authorization_matrix.py``) collects every such module.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.finess import make_finess
from controlplane.models import Tenant
from tests.conftest import TokenFactory
from tests.hosting.factories import HostingFactory
from tests.network.factories import NetworkFactory


@dataclass
class World:
    """What the example requests act on: two tenants and helpers to make fresh objects."""

    client: TestClient
    database: Database
    auth: TokenFactory
    tenants: dict[str, Tenant]
    tmp_path: Path
    serials: itertools.count

    def job_for(self, tenant: Tenant) -> int:
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            return jobs.enqueue(db, kind="test.quick", tenant_id=tenant.id, actor="tests",
                                params={"marker": str(self.tmp_path / "m"), "release": ""}).id

    def token_id(self) -> int:
        answer = self.client.post("/api/v1/tokens", json={"name": "victim", "role": "auditor"},
                                  headers=self.auth(Role.GCS_OPERATOR))
        return int(answer.json()["id"])

    def new_finess(self) -> str:
        return make_finess("69", next(self.serials))

    @cached_property
    def net(self) -> NetworkFactory:
        """Network objects (sites, circuits, pools...) for own/other tenants."""
        return NetworkFactory(self.database)

    @cached_property
    def hosting(self) -> HostingFactory:
        """Hosting objects (providers, offers, requests, subscriptions)."""
        return HostingFactory(self.database)


Request = tuple[str, dict[str, Any] | None]


@dataclass(frozen=True)
class Case:
    """How to call one operation against a target tenant, and what success looks like."""

    build: Callable[[World, Tenant], Request]
    success: int = 200
    tenant_bound: bool = False
