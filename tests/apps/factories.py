"""Apps objects for tests, made through the service layer or, for what only a job
makes (deployments' outcomes, instances), written directly."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import update

import network
from apps.deployments.models import Deployment, Instance
from apps.enrolments import service as enrolments
from apps.enrolments.models import Enrolment
from apps.enrolments.schemas import EnrolmentCreate
from apps.targets import service as targets
from apps.targets.models import AppTarget
from apps.targets.schemas import TargetCreate
from controlplane.db import Database, Scope
from controlplane.models import Tenant

ACTOR = "tests"


class AppsFactory:
    """Fresh targets, enrolments, finished deployments and instances."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.serials = itertools.count(1)

    def target_body(self, **fields: Any) -> dict[str, Any]:
        """A valid target body with a fresh name."""
        return {"name": f"app-{next(self.serials)}", "address": "127.0.0.1",
                "connection": "local", "prefix": "/srv/socle", **fields}

    def site(self, tenant: Tenant, access: str = "THD") -> str:
        """A fresh network site of ``tenant`` with ``access``; its code."""
        code = f"APPS-SITE-{next(self.serials)}"
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            network.create_site(db, network.SiteCreate(
                tenant=tenant.finess, code=code, name=f"Site {code}", address="1 rue du Test",
                access=access), actor=ACTOR)
        return code

    def target(self, **fields: Any) -> AppTarget:
        """A target (local connection)."""
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            return targets.create_target(db, TargetCreate(**self.target_body(**fields)),
                                         actor=ACTOR)

    def enrolment(self, tenant: Tenant, service: str = "identity") -> Enrolment:
        """``tenant`` enrolled in ``service`` (once; later calls return the same row)."""
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            found = db.query(Enrolment).filter_by(tenant_id=tenant.id, service=service).first()
            if found is not None:
                return found
            return enrolments.enrol(db, EnrolmentCreate(tenant=tenant.finess, service=service),
                                 actor=ACTOR)

    def deployment(self, *, previous: str | None = "1.0.0") -> Deployment:
        """A succeeded deployment of identity 1.1.0 that replaced ``previous``."""
        target = self.target()
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            row = Deployment(action="deploy", targets=[target.name], state="succeeded",
                             releases=[{"service": "identity", "version": "1.1.0",
                                        "previous": previous}],
                             config={"identity": {}}, created_by=ACTOR)
            db.add(row)
            db.flush()
            return row

    def instance(self, service: str = "identity", health: str = "healthy") -> Instance:
        """An instance of ``service`` on a fresh target."""
        target = self.target()
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            row = Instance(service=service, target_id=target.id, version="1.0.0",
                           config_sha256="0" * 64, health=health)
            db.add(row)
            db.flush()
            return row

    def settle(self) -> None:
        """Mark queued or running deployments failed (so a new one is not refused as busy)."""
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            db.execute(update(Deployment).where(Deployment.state.in_(("queued", "running")))
                       .values(state="failed"))
