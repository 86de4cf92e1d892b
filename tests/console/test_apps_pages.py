"""Apps pages over HTTP: the shipped catalogue, deployments with their outcome, and the
rollback button (apps:write only) that queues the rollback's job.

The deployment row stands for a finished one (identity 1.0.0 → 1.1.0 on a local target);
the deployment job itself runs real playbooks in tests/apps.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from apps.deployments.models import Deployment, Instance
from apps.targets import service as targets
from apps.targets.schemas import TargetCreate
from controlplane.db import Database, Scope
from controlplane.models import Job
from tests.apps.factories import AppsFactory
from tests.conftest import TenantFactory, TokenFactory
from tests.console.support import signed_in


@pytest.fixture
def upgraded(database: Database) -> int:
    """A succeeded deployment of identity 1.1.0 that replaced 1.0.0 on target app-1."""
    with database.transaction(scope=Scope.unrestricted()) as db:
        targets.create_target(db, TargetCreate(name="app-1", address="127.0.0.1",
                                               connection="local"), actor="tests")
        row = Deployment(releases=[{"service": "identity", "version": "1.1.0",
                                    "previous": "1.0.0"}],
                         targets=["app-1"], state="succeeded", created_by="tests")
        db.add(row)
        db.flush()
        return row.id


def test_catalogue_lists_the_shipped_services(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    signed_in(client, auth, "establishment", make_tenant())
    html = client.get("/console/apps").text
    assert "Identité régionale (IPPR) et authentification unique" in html
    assert "1.0.0, 1.1.0" in html and "non inscrit" in html


def test_operator_rolls_a_deployment_back(
    client: TestClient, auth: TokenFactory, upgraded: int, database: Database
) -> None:
    console = signed_in(client, auth, "gcs-operator")
    html = client.get("/console/apps/deployments").text
    assert "identity 1.1.0 <span class=\"count\">(remplace 1.0.0)</span>" in html
    assert "Revenir en arrière" in html
    back = console.post_form("/console/apps/deployments",
                             f"/console/apps/deployments/{upgraded}/rollback", {})
    assert back.status_code == 303
    job_id = int(back.headers["location"].rsplit("/", 1)[1])
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert db.get_one(Job, job_id).kind.startswith("apps.")
        rollback = db.query(Deployment).filter_by(rollback_of=upgraded).one()
        assert rollback.releases[0]["version"] == "1.0.0"
    listing = client.get("/console/apps/deployments").text
    assert f"(retour arrière de {upgraded})" in listing
    overview = client.get("/console/").text
    assert "1 déploiement(s) en cours" in overview  # the queued rollback


def test_readers_get_no_rollback(
    client: TestClient, auth: TokenFactory, upgraded: int, make_tenant: TenantFactory
) -> None:
    console = signed_in(client, auth, "establishment", make_tenant())
    assert "Revenir en arrière" not in client.get("/console/apps/deployments").text
    refused = console.post_form("/console/apps/deployments",
                                f"/console/apps/deployments/{upgraded}/rollback", {})
    assert refused.status_code == 403


def test_instances_show_health_drift_and_site(
    client: TestClient, auth: TokenFactory, database: Database, make_tenant: TenantFactory,
) -> None:
    apps = AppsFactory(database)
    site = apps.site(make_tenant(), "THD")
    target = apps.target(name="app-dc-1", site=site)
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.add(Instance(service="identity", target_id=target.id, version="1.1.0",
                        previous_version="1.0.0", config_sha256="0" * 64, health="unhealthy",
                        health_detail="HTTP 503 on /health",
                        drift=["config: the file was changed on the host"]))
    console = signed_in(client, auth, "gcs-operator")
    html = client.get("/console/apps/instances").text
    assert f"{site} (THD)" in html and "app-dc-1" in html
    assert "(avant : 1.0.0)" in html and "HTTP 503 on /health" in html
    assert "config: the file was changed on the host" in html
    observed = console.post_form("/console/apps/instances",
                                 "/console/apps/instances/observe", {})
    assert observed.status_code == 303
    job_id = int(observed.headers["location"].rsplit("/", 1)[1])
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert db.get_one(Job, job_id).kind == "apps.observe"
    resynced = console.post_form("/console/apps/instances", "/console/apps/instances/resync", {})
    assert resynced.status_code == 303
    assert resynced.headers["location"] == "/console/apps/deployments"
    listing = client.get("/console/apps/deployments").text
    assert "identity 1.1.0" in listing and "En attente" in listing

    signed_in(client, auth, "establishment", make_tenant())
    assert "Resynchroniser" not in client.get("/console/apps/instances").text
