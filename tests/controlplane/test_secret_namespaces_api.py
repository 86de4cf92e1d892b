"""Every plane's reference fields take only references of that plane's namespace (a 422
saying which form is expected, nothing stored); the network plane's own regression
tests are in tests/network/test_secret_references.py."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from apps.deployments.models import Deployment
from apps.targets.models import AppTarget
from controlplane.db import Database, Scope
from hosting.providers.models import HostingProvider
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import HostingFactory, provider_body

API = "/api/v1"
REFUSED = ["file:console-secret.key", "env:SOCLE_DATABASE_URL", "file:../network/ce.secret",
           "env:SOCLE_SECRET_NETWORK_CE_PASSWORD"]


def _rows(database: Database, model: type) -> int:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def _refused(answer: Any, field: str, plane: str) -> None:
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert [e["field"] for e in errors] == [field], errors
    message = errors[0]["message"]
    assert f"SOCLE_SECRET_{plane.upper()}_" in message or f"secrets/{plane}/" in message


@pytest.mark.parametrize("reference", REFUSED)
def test_hosting_references_stay_in_the_hosting_namespace(
    reference: str, client: TestClient, database: Database, auth: TokenFactory,
    make_tenant: TenantFactory,
) -> None:
    operator = auth("gcs-operator")
    before = _rows(database, HostingProvider)
    answer = client.post(f"{API}/hosting/providers", headers=operator,
                         json=provider_body(90, credential_ref=reference))
    _refused(answer, "credential_ref", "hosting")
    assert _rows(database, HostingProvider) == before
    made = client.post(f"{API}/hosting/providers", headers=operator, json=provider_body(
        91, credential_ref="env:SOCLE_SECRET_HOSTING_HDS_KEYS"))
    assert made.status_code == 201, made.text
    changed = client.patch(f"{API}/hosting/providers/{made.json()['id']}", headers=operator,
                           json={"credential_ref": reference})
    _refused(changed, "credential_ref", "hosting")

    subscription = HostingFactory(database).subscription(make_tenant())
    executor = {"kind": "ssh", "host": "h", "user": "u", "key_ref": reference,
                "host_key": "ssh-ed25519 AAAAC3Nza"}
    policy = client.put(f"{API}/hosting/subscriptions/{subscription.id}/backup-policy",
                        headers=operator, json={"source_path": "/srv", "executor": executor})
    _refused(policy, "executor.ssh.key_ref", "hosting")


@pytest.mark.parametrize("reference", [*REFUSED[:3], "env:SOCLE_SECRET_HOSTING_KEYS"])
def test_apps_references_stay_in_the_apps_namespace(
    reference: str, client: TestClient, database: Database, auth: TokenFactory,
) -> None:
    operator = auth("gcs-operator")
    before = _rows(database, AppTarget)
    target = {"name": "app-ns-1", "address": "127.0.0.1", "connection": "ssh",
              "ssh_user": "socle", "ssh_key_ref": reference}
    _refused(client.post(f"{API}/apps/targets", headers=operator, json=target),
             "ssh_key_ref", "apps")
    assert _rows(database, AppTarget) == before
    deployments = _rows(database, Deployment)
    body = {"releases": [{"service": "directory", "version": "2.6.0"}], "targets": ["x"],
            "secrets": {"directory": {"admin_password": reference}}}
    _refused(client.post(f"{API}/apps/deployments", headers=operator, json=body),
             "secrets.directory.admin_password", "apps")
    assert _rows(database, Deployment) == deployments


def test_rolling_back_a_deployment_with_a_reference_from_before_the_namespaces_says_why(
    client: TestClient, database: Database, auth: TokenFactory,
) -> None:
    """A deployment stored before the namespaces keeps its ``env:LDAP_PW``: deploying it
    again is a 422 saying what to rename, never a 500."""
    with database.transaction(scope=Scope.unrestricted()) as db:
        old = Deployment(created_by="tests", state="succeeded", targets=["x"], releases=[
            {"service": "directory", "version": "2.6.0", "previous": "2.5.0"}],
            secret_refs={"directory": {"admin_password": "env:LDAP_PW"}})
        db.add(old)
        db.flush()
        old_id = old.id
    answer = client.post(f"{API}/apps/deployments/{old_id}/rollback",
                         headers=auth("gcs-operator"))
    _refused(answer, "secrets.directory.admin_password", "apps")
    assert "env:SOCLE_SECRET_APPS_NAME" in answer.text
