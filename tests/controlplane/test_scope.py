"""Tenant scoping in the data-access layer: queries filtered, writes refused, no leaks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from controlplane.db import Database, Scope, ScopeViolation
from controlplane.models import ApiToken, Job, Tenant
from tests.conftest import TenantFactory


def test_queries_see_only_the_scope_tenant(database: Database,
                                           make_tenant: TenantFactory) -> None:
    first, second = make_tenant(), make_tenant()
    for tenant, other in ((first, second), (second, first)):
        with database.session(scope=Scope.tenant(tenant.id), write=False) as db:
            assert db.scalars(select(Tenant.finess)).all() == [tenant.finess]
            assert db.scalar(select(func.count()).select_from(Tenant)) == 1
            assert db.scalar(select(Tenant).where(Tenant.finess == other.finess)) is None
            assert db.get(Tenant, other.id) is None
            joined = select(ApiToken, Tenant).join(Tenant, ApiToken.tenant_id == Tenant.id)
            assert db.execute(joined).all() == []
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert db.scalar(select(func.count()).select_from(Tenant)) == 2


def test_writes_to_another_tenant_are_refused(database: Database,
                                              make_tenant: TenantFactory) -> None:
    own, other = make_tenant(), make_tenant()
    with pytest.raises(ScopeViolation), database.transaction(scope=Scope.tenant(own.id)) as db:
        db.add(Job(kind="x", params={}, created_by="t", tenant_id=other.id))
    with database.transaction(scope=Scope.tenant(own.id)) as db:
        db.add(Job(kind="x", params={}, created_by="t", tenant_id=own.id))
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert db.scalars(select(Job.tenant_id)).all() == [own.id]


def test_bulk_updates_are_scoped(database: Database, make_tenant: TenantFactory) -> None:
    own, other = make_tenant(), make_tenant()
    with database.transaction(scope=Scope.tenant(own.id)) as db:
        db.execute(update(Tenant).values(name="renamed"))
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        names = dict(db.execute(select(Tenant.id, Tenant.name)).all())
    assert names[own.id] == "renamed" and names[other.id] != "renamed"


def test_a_session_without_scope_is_refused(database: Database) -> None:
    session = Session(database.engine)  # not opened through Database.session
    with pytest.raises(ScopeViolation, match="without a tenant scope"):
        session.scalars(select(Tenant)).all()
    session.close()
