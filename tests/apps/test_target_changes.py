"""Targets and enrolments changed and removed (API and CLI): each change checked against
what runs there and audited with before and after; a refused change writes nothing.
Also the exact-configuration rollback, checked on the deployment it queues."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from apps.deployments import service as deployments
from apps.deployments.models import Deployment, Instance
from apps.enrolments.models import Enrolment
from apps.targets.models import AppTarget
from controlplane.audit import AuditRecord
from controlplane.auth import Role
from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from tests.apps.factories import AppsFactory
from tests.conftest import TenantFactory, TokenFactory

APPS = "/api/v1/apps"


def _audits(database: Database) -> int:
    with database.session(scope=Scope.unrestricted()) as db:
        return db.scalar(select(func.count()).select_from(AuditRecord)) or 0


def _last_audit(database: Database) -> AuditRecord:
    with database.session(scope=Scope.unrestricted()) as db:
        return db.scalars(select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1)).one()


def _problem(answer: Any, status: int, code: str, field: str | None = None) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code, answer.json()
    if field is not None:
        assert [e["field"] for e in answer.json()["errors"]] == [field], answer.json()


def _running(database: Database, target: AppTarget, service: str) -> None:
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.add(Instance(service=service, target_id=target.id, version="1.0.0",
                        config_sha256="0" * 64, health="healthy"))


def test_targets_stand_at_network_sites_and_change_within_what_runs(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory,
) -> None:
    client.headers.update(auth(Role.GCS_OPERATOR))
    apps = AppsFactory(database)
    gcs, hospital = make_tenant(), make_tenant()
    thd, mpls = apps.site(gcs, "THD"), apps.site(gcs, "MPLS")
    theirs = apps.site(hospital, "THD")

    unknown = client.post(f"{APPS}/targets", json=apps.target_body(site="NOWHERE-1"))
    _problem(unknown, 422, "APPS-0001", "site")
    no_address = apps.target_body()
    del no_address["address"]
    _problem(client.post(f"{APPS}/targets", json=no_address), 422, "APPS-0001", "address")
    retired = client.post(f"{APPS}/targets", json=apps.target_body(network_access="THD"))
    assert retired.status_code == 422 and "network_access" in retired.text

    made = client.post(f"{APPS}/targets", json=apps.target_body(site=thd))
    assert made.status_code == 201, made.text
    target = made.json()
    assert (target["site"], target["network_access"]) == (thd, "THD")
    other = client.post(f"{APPS}/targets", json=apps.target_body(site=theirs)).json()
    seen = client.get(f"{APPS}/targets/{other['id']}",
                      headers=auth(Role.ESTABLISHMENT, gcs)).json()
    assert seen["site"] == theirs and seen["network_access"] is None  # not its site to see
    url = f"{APPS}/targets/{target['id']}"

    # A change is audited with what it was and what it became.
    changed = client.patch(url, json={"address": "10.20.0.11", "ssh_port": 2222})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["address"], changed.json()["ssh_port"]) == ("10.20.0.11", 2222)
    record = _last_audit(database)
    assert record.action == "apps.target.update"
    assert (record.before["address"], record.after["address"]) == ("127.0.0.1", "10.20.0.11")

    # Bad changes: 4xx naming the field, nothing written.
    row = apps.target()
    before = _audits(database)
    _problem(client.patch(url, json={"name": "renamed"}), 422, "CP-0001", "name")
    _problem(client.patch(url, json={"address": None}), 422, "CP-0001", "address")
    _problem(client.patch(url, json={}), 422, "CP-0001")
    _problem(client.patch(url, json={"site": "NOWHERE-1"}), 422, "APPS-0001", "site")
    _problem(client.patch(url, json={"ports": {"payroll": {"http": 8080}}}), 422,
             "APPS-0002", "ports.payroll")
    with database.session(scope=Scope.unrestricted()) as db:
        stored = db.get_one(AppTarget, target["id"])
    _running(database, stored, "telemedicine")
    _problem(client.patch(url, json={"site": mpls}), 409, "APPS-0008", "site")
    _problem(client.patch(url, json={"site": None}), 409, "APPS-0008", "site")
    _problem(client.patch(url, json={"prefix": "/srv/elsewhere"}), 409, "APPS-0012", "prefix")
    _problem(client.delete(url), 409, "APPS-0013")
    assert _audits(database) == before
    assert client.get(url).json()["site"] == thd

    # While a deployment to it is queued, a target is left alone.
    queued = client.post(f"{APPS}/deployments", json={
        "releases": [{"service": "identity", "version": "1.0.0"}], "targets": [row.name]})
    assert queued.status_code == 202, queued.text
    _problem(client.patch(f"{APPS}/targets/{row.id}", json={"ssh_port": 2200}), 409,
             "APPS-0009", "target")
    apps.settle()

    # Removed when nothing runs there; audited with what it was.
    assert client.delete(f"{APPS}/targets/{row.id}").status_code == 204
    assert client.get(f"{APPS}/targets/{row.id}").status_code == 404
    record = _last_audit(database)
    assert record.action == "apps.target.delete" and record.before["name"] == row.name


def test_a_prefix_longer_than_its_column_is_refused(
    client: TestClient, database: Database, auth: TokenFactory
) -> None:
    """``prefix`` is VARCHAR(255): a longer one was a 500 on PostgreSQL (no bound in the
    schema; SQLite stored it). Refused whole on creation and on change."""
    apps, operator = AppsFactory(database), auth(Role.GCS_OPERATOR)
    target = apps.target()
    before = _audits(database)
    long = "/" + "p" * 255
    _problem(client.post(f"{APPS}/targets", headers=operator,
                         json=apps.target_body(prefix=long)), 422, "CP-0001", "prefix")
    _problem(client.patch(f"{APPS}/targets/{target.id}", headers=operator,
                          json={"prefix": long}), 422, "CP-0001", "prefix")
    assert _audits(database) == before


def test_enrolment_settings_change_and_enrolments_end(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory,
) -> None:
    operator = auth(Role.GCS_OPERATOR)
    hospital, other = make_tenant(), make_tenant()
    made = client.post(f"{APPS}/enrolments", headers=operator, json={
        "tenant": hospital.finess, "service": "messaging",
        "settings": {"domain": "ch-a.mssante.fr"}})
    assert made.status_code == 201, made.text
    url = f"{APPS}/enrolments/{made.json()['id']}"

    bad = client.patch(url, headers=operator, json={"settings": {"domain": "not a domain"}})
    _problem(bad, 422, "APPS-0006", "settings.domain")
    mine = auth(Role.ESTABLISHMENT, hospital)
    assert client.patch(url, headers=mine,
                        json={"settings": {"domain": "x.mssante.fr"}}).status_code == 403
    assert client.delete(url, headers=auth(Role.ESTABLISHMENT, other)).status_code == 403

    changed = client.patch(url, headers=operator,
                           json={"settings": {"domain": "ch-b.mssante.fr"}})
    assert changed.status_code == 200 and changed.json()["settings"] == {
        "domain": "ch-b.mssante.fr"}
    record = _last_audit(database)
    assert record.action == "apps.enrolment.update"
    assert record.before["settings"]["domain"] == "ch-a.mssante.fr"
    assert client.get(url, headers=mine).json()["settings"]["domain"] == "ch-b.mssante.fr"

    assert client.delete(url, headers=operator).status_code == 204
    assert client.get(url, headers=operator).status_code == 404
    assert client.get(f"{APPS}/services/messaging", headers=operator).json()["tenants"] == []


def test_a_rollback_restores_the_exact_configuration_it_replaced(
    database: Database, make_tenant: TenantFactory,
) -> None:
    """The upgrade rendered one establishment's settings; since then another enrolled. The
    rollback of the upgrade deploys what ran before it, not today's rendering."""
    apps = AppsFactory(database)
    target = apps.target()
    earlier_config = {"log_level": "info", "tenants": {"690000016": {}}}
    with database.transaction(scope=Scope.unrestricted()) as db:
        earlier = Deployment(action="deploy", targets=[target.name], state="succeeded",
                             releases=[{"service": "identity", "version": "1.0.0",
                                        "previous": None}],
                             config={"identity": {"log_level": "info"}},
                             rendered={"identity": earlier_config}, created_by="tests")
        db.add(earlier)
        db.flush()
        db.add(Instance(service="identity", target_id=target.id, version="1.0.0",
                        config_sha256="0" * 64, health="healthy", deployment_id=earlier.id))
    apps.enrolment(make_tenant(), "identity")
    with database.transaction(scope=Scope.unrestricted()) as db:
        upgrade = deployments.create(db, deployments.DeploymentCreate(
            releases=[{"service": "identity", "version": "1.1.0"}], targets=[target.name],
            config={"identity": {"log_level": "debug"}}), actor="tests")
        assert upgrade.releases[0]["previous"] == "1.0.0"
        assert upgrade.releases[0]["previous_deployment"] == earlier.id
        upgrade.state = "succeeded"
        db.flush()
        back = deployments.rollback(db, upgrade, actor="tests")
        assert back.action == "rollback" and back.rollback_of == upgrade.id
        assert [(r["service"], r["version"]) for r in back.releases] == [("identity", "1.0.0")]
        assert back.rendered == {"identity": earlier_config}
        assert back.config["identity"]["log_level"] == "info"  # the earlier request


def test_cli_changes_targets_and_enrolments(
    client: TestClient, database: Database, make_tenant: TenantFactory,
) -> None:
    runner = CliRunner()
    apps = AppsFactory(database)
    site = apps.site(make_tenant(), "THD")
    hospital = make_tenant()

    def run(*args: str) -> Any:
        result = runner.invoke(cli, ["apps", *args])
        assert result.exit_code == 0, result.output
        return result.output

    made = json.loads(run("add-target", "app-cli", "10.0.0.5", "--site", site, "--json"))
    assert made["network_access"] == "THD"
    changed = json.loads(run("update-target", "app-cli", "--ssh-port", "2222", "--no-site",
                             "--json"))
    assert (changed["ssh_port"], changed["site"], changed["network_access"]) == (2222, None, None)
    run("remove-target", "app-cli")
    assert json.loads(run("targets", "--json")) == []

    enrolment = json.loads(run("enrol", hospital.finess, "directory",
                               "--setting", "branch=ou=CH A", "--json"))
    updated = json.loads(run("update-enrolment", str(enrolment["id"]),
                             "--setting", "branch=ou=CH B", "--json"))
    assert updated["settings"] == {"branch": "ou=CH B"}
    refused = runner.invoke(cli, ["apps", "update-enrolment", str(enrolment["id"]),
                                  "--setting", "branch"])
    assert refused.exit_code == 2 and "KEY=VALUE" in refused.output
    run("unenrol", str(enrolment["id"]))
    with database.session(scope=Scope.unrestricted()) as db:
        assert db.scalar(select(func.count()).select_from(Enrolment)) == 0
