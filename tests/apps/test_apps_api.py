"""The apps API and CLI without running Ansible: the catalogue, targets, enrolments,
and every way a deployment request is refused before anything is deployed."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from apps.deployments.models import Deployment
from apps.enrolments.models import Enrolment
from controlplane.auth import Role
from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from controlplane.models import Job
from tests.apps.factories import AppsFactory
from tests.conftest import TenantFactory, TokenFactory

APPS = "/api/v1/apps"


def _refused(client: TestClient, body: dict[str, Any], field: str, code: str) -> None:
    answer = client.post(f"{APPS}/deployments", json=body)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == code, problem
    assert [e["field"] for e in problem["errors"]] == [field], problem


def test_deployments_refused_before_anything_runs(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory,
) -> None:
    client.headers.update(auth(Role.GCS_OPERATOR))
    apps = AppsFactory(database)
    gcs = make_tenant()
    plain = apps.target(site=apps.site(gcs, "MPLS")).name
    thd = apps.target(site=apps.site(gcs, "THD")).name
    identity = {"service": "identity", "version": "1.0.0"}
    cases = [
        ({"releases": [{"service": "payroll", "version": "1.0.0"}], "targets": [plain]},
         "releases.0.service", "APPS-0002"),
        ({"releases": [{"service": "identity", "version": "9.9.9"}], "targets": [plain]},
         "releases.0.version", "APPS-0003"),
        ({"releases": [{"service": "identity", "version": "1.3.0"}], "targets": [plain]},
         "releases.0.version", "APPS-0004"),
        ({"releases": [{"service": "alpha", "version": "1.0.0"}], "targets": [plain]},
         "releases.0.service", "APPS-0005"),
        ({"releases": [identity], "targets": [plain], "config": {"identity": {"log_level": 3}}},
         "config.identity.log_level", "APPS-0006"),
        ({"releases": [{"service": "lab", "version": "1.0.0"}], "targets": [plain]},
         "releases.0.service", "APPS-0007"),
        ({"releases": [{"service": "directory", "version": "2.6.0"},
                       {"service": "telemedicine", "version": "1.0.0"}],
          "targets": [thd, plain],
          "secrets": {"directory": {"admin_password": "env:SOCLE_SECRET_APPS_X"}}},
         "targets.1", "APPS-0008"),
        ({"releases": [{"service": "directory", "version": "2.6.0"}], "targets": [thd]},
         "secrets.directory.admin_password", "APPS-0011"),
        ({"releases": [identity], "targets": ["nowhere"]}, "targets.0", "APPS-0001"),
    ]
    for body, field, code in cases:
        _refused(client, body, field, code)
    with database.session(scope=Scope.unrestricted()) as db:
        assert db.scalar(select(func.count()).select_from(Deployment)) == 0
        assert db.scalar(select(func.count()).select_from(Job)) == 0

    accepted = client.post(f"{APPS}/deployments", json={"releases": [identity], "targets": [plain]})
    assert accepted.status_code == 202 and accepted.json()["job"]["kind"] == "apps.deploy"
    busy = client.post(f"{APPS}/deployments", json={"releases": [identity], "targets": [thd]})
    assert busy.status_code == 409 and busy.json()["code"] == "APPS-0009"
    listed = client.get(f"{APPS}/deployments").json()
    assert listed["total"] == 1 and listed["items"][0]["state"] == "queued"


def test_catalogue_enrolments_and_tenant_scoping(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory,
) -> None:
    operator = auth(Role.GCS_OPERATOR)
    own, other = make_tenant(), make_tenant()
    services = client.get(f"{APPS}/services", headers=operator).json()
    assert services["total"] == 9  # the seven, and the test catalogue's alpha and beta
    bad = client.post(f"{APPS}/enrolments", headers=operator, json={
        "tenant": own.finess, "service": "messaging", "settings": {"domain": "not a domain"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "settings.domain"
    for tenant, domain in ((own, "ch-a.mssante.fr"), (other, "ch-b.mssante.fr")):
        answer = client.post(f"{APPS}/enrolments", headers=operator, json={
            "tenant": tenant.finess, "service": "messaging", "settings": {"domain": domain}})
        assert answer.status_code == 201, answer.text
    again = client.post(f"{APPS}/enrolments", headers=operator, json={
        "tenant": own.finess, "service": "messaging", "settings": {"domain": "x.fr"}})
    assert again.status_code == 409
    mine = auth(Role.ESTABLISHMENT, own)
    seen = client.get(f"{APPS}/enrolments", headers=mine).json()
    assert [e["tenant"] for e in seen["items"]] == [own.finess]
    messaging = client.get(f"{APPS}/services/messaging", headers=mine).json()
    assert messaging["tenants"] == [own.finess]
    everyone = client.get(f"{APPS}/services/messaging", headers=operator).json()["tenants"]
    assert sorted(everyone) == sorted([own.finess, other.finess])
    assert client.post(f"{APPS}/targets", headers=mine,
                       json=AppsFactory(database).target_body()).status_code == 403


def test_cli_lists_services_and_targets(client: TestClient, database: Database) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["apps", "services", "--json"])
    assert result.exit_code == 0, result.output
    assert {"identity", "messaging", "lab"} <= {s["name"] for s in json.loads(result.output)}
    result = runner.invoke(cli, ["apps", "add-target", "app-cli", "10.0.0.5", "--json"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["apps", "targets", "--json"])
    assert [t["name"] for t in json.loads(result.output)] == ["app-cli"]
    result = runner.invoke(cli, ["apps", "deploy", "lab=1.0.0", "-t", "app-cli"])
    assert result.exit_code == 2 and "APPS-0007" in result.output


def test_demo_seed_is_idempotent(database: Database, settings: Any,
                                 make_tenant: TenantFactory) -> None:
    from apps import demo

    hospital = make_tenant()
    with database.transaction(scope=Scope.unrestricted()) as db:
        said = demo.seed(db, actor="tests", settings=settings)
    assert "3 demo targets" in said[0] and "1 hospital(s)" in said[0]
    with database.transaction(scope=Scope.unrestricted()) as db:
        assert demo.seed(db, actor="tests", settings=settings) == [
            "apps: demo targets already there"]
        rows = db.scalars(select(Enrolment).where(Enrolment.tenant_id == hospital.id)).all()
        assert sorted(r.service for r in rows) == ["directory", "identity", "messaging"]


def test_a_cancelled_deployment_frees_its_services(
    client: TestClient, database: Database, auth: TokenFactory,
) -> None:
    client.headers.update(auth(Role.GCS_OPERATOR))
    target = AppsFactory(database).target().name
    body = {"releases": [{"service": "identity", "version": "1.0.0"}], "targets": [target]}
    queued = client.post(f"{APPS}/deployments", json=body)
    assert queued.status_code == 202, queued.text
    assert client.post(f"{APPS}/deployments", json=body).status_code == 409  # busy
    cancelled = client.post(f"/api/v1/jobs/{queued.json()['job']['id']}/cancel")
    assert cancelled.status_code == 202, cancelled.text
    deployment = client.get(f"{APPS}/deployments").json()["items"][0]
    assert (deployment["state"], deployment["reason"]) == ("cancelled", "cancelled on request")
    assert client.post(f"{APPS}/deployments", json=body).status_code == 202


def test_cli_deploy_takes_configuration_and_secret_references(
    client: TestClient, database: Database,
) -> None:
    runner = CliRunner()
    target = AppsFactory(database).target().name
    result = runner.invoke(cli, [
        "apps", "deploy", "directory=2.6.0", "identity=1.1.0", "-t", target,
        "--config", "identity.log_level=debug", "--config", "identity.max_sessions=2000",
        "--secret", "directory.admin_password=env:SOCLE_SECRET_APPS_LDAP_ADMIN_PASSWORD", "--json"])
    assert result.exit_code == 0, result.output
    made = json.loads(result.output)
    assert made["secret_refs"] == {
        "directory": {"admin_password": "env:SOCLE_SECRET_APPS_LDAP_ADMIN_PASSWORD"}}
    with database.session(scope=Scope.unrestricted()) as db:
        config = db.get_one(Deployment, made["id"]).config["identity"]
    assert (config["log_level"], config["max_sessions"]) == ("debug", 2000)
    bad = runner.invoke(cli, ["apps", "deploy", "identity=1.1.0", "-t", target,
                              "--config", "log_level=debug"])
    assert bad.exit_code == 2 and "SERVICE.KEY=VALUE" in bad.output
    secret = runner.invoke(cli, ["apps", "deploy", "directory=2.6.0", "-t", target,
                                 "--secret", "directory.admin_password=hunter2"])
    assert secret.exit_code == 2 and "never the secret" in " ".join(secret.output.split())


def test_a_deployment_whose_job_ended_silently_is_settled(
    client: TestClient, database: Database, auth: TokenFactory,
) -> None:
    """Rows left by an older release: the job was cancelled, the deployment kept 'queued'."""
    client.headers.update(auth(Role.GCS_OPERATOR))
    target = AppsFactory(database).target().name
    body = {"releases": [{"service": "identity", "version": "1.0.0"}], "targets": [target]}
    stale = client.post(f"{APPS}/deployments", json=body).json()["job"]["id"]
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.get_one(Job, stale).state = "cancelled"
    assert client.post(f"{APPS}/deployments", json=body).status_code == 202
    first = client.get(f"{APPS}/deployments").json()["items"][-1]
    assert (first["state"], first["reason"]) == ("cancelled", f"its job {stale} ended cancelled")
