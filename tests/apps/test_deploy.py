"""Deployments through ansible-runner to two local-connection targets on loopback, with
real workloads: the directory as OpenLDAP (checked by an LDAP search), messaging as
Postfix (checked by an SMTP session), identity and lab as small HTTP services.

One scenario, since Ansible is slow to start: a dependency-ordered deploy of three
services, an upgrade, a broken upgrade rolled back automatically, an explicit rollback
(both restore the exact configuration they return to, although an establishment enrolled
since), drift after an out-of-band change and its re-sync, a target reached over SSH (a
real sshd on loopback, key and host key pinned) that is down mid-rollout, then back: the
same deployment run again converges. Ansible does not care which database Socle uses,
so this runs on the first backend only.
"""

from __future__ import annotations

import json
import shutil
import smtplib
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from apps.catalogue.service import Catalog
from apps.secrets import SECRETS
from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database
from tests.conftest import BACKENDS, TenantFactory, TokenFactory
from tests.support.apphosts import local_target, stop_services
from tests.support.sshd import running_sshd

APPS = "/api/v1/apps"
PASSWORD = "Ld4p-s3cret-for-tests"  # checked never to reach a log


@pytest.fixture(params=BACKENDS[:1])
def database_url(request: pytest.FixtureRequest) -> str:
    """One backend: what is tested here is the orchestration, not the storage."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_factory").new_url()
    return request.getfixturevalue("postgres_factory").new_url()


@pytest.fixture
def hosts() -> Iterator[Path]:
    """The targets' prefixes, outside pytest's temp tree: Postfix's own user must walk to
    its queue, and pytest (each xdist worker) resets its root folder to mode 0700."""
    base = Path(tempfile.mkdtemp(prefix="socle-apphosts-"))
    base.chmod(0o711)
    root = base / "hosts"
    yield root
    for prefix in root.iterdir() if root.is_dir() else []:
        stop_services(prefix)
    shutil.rmtree(base, ignore_errors=True)


def _run(client: TestClient, database: Database, answer: Any) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job"]["id"]
    assert jobs.Worker(database).run_once() == job_id
    return client.get(f"/api/v1/jobs/{job_id}", headers=client.headers).json()


def _health(target: dict[str, Any], service: str) -> dict[str, Any]:
    port = target["ports"][service]["http"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as answer:
        return json.load(answer)


def test_deploy_upgrade_rollback_drift_unreachable(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory,
    hosts: Path, test_catalog: Catalog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    client.headers.update(auth(Role.GCS_OPERATOR))
    monkeypatch.setenv("SOCLE_SECRET_APPS_TEST_LDAP_PASSWORD", PASSWORD)
    t1, t2 = (local_target(n, hosts, test_catalog) for n in ("t1", "t2"))
    sshd_dir = hosts.parent / "sshd-t3"
    with running_sshd(sshd_dir) as server:  # t3's server, set up, then down until step 6
        pass
    key = server.client_key.read_text()
    SECRETS.store_file(tmp_path / "data", "t3-ssh-key", key)
    t3 = local_target("t3", hosts, test_catalog, connection="ssh", ssh_port=server.port,
                      ssh_user=server.user, ssh_key_ref="file:t3-ssh-key",
                      ssh_host_key=server.host_public_key)
    for body in (t1, t2, t3):
        assert client.post(f"{APPS}/targets", json=body).status_code == 201
    lyon = make_tenant(name="CH Lyon")
    for service, settings in (("directory", {"branch": "ou=CH Lyon"}),
                              ("messaging", {"domain": "ch-lyon.mssante.fr"}),
                              ("identity", {})):
        answer = client.post(f"{APPS}/enrolments", json={
            "tenant": lyon.finess, "service": service, "settings": settings})
        assert answer.status_code == 201, answer.text

    # 1. Three services, listed out of order: deployed dependencies first.
    job = _run(client, database, client.post(f"{APPS}/deployments", json={
        "releases": [{"service": "messaging", "version": "3.7.0"},
                     {"service": "identity", "version": "1.0.0"},
                     {"service": "directory", "version": "2.6.0"}],
        "targets": ["t1", "t2"], "batch_size": 2,
        "secrets": {"directory": {"admin_password": "env:SOCLE_SECRET_APPS_TEST_LDAP_PASSWORD"}},
    }))
    assert job["state"] == "succeeded", (job["error"], job["log"][-15:])
    assert [s["name"] for s in job["steps"]] == ["directory", "identity", "messaging", "finish"]
    for target in (t1, t2):
        found = subprocess.run(
            ["ldapsearch", "-x", "-LLL", "-H",
             f"ldap://127.0.0.1:{target['ports']['directory']['ldap']}",
             "-b", "ou=etablissements,dc=sante-region,dc=fr", "-s", "one", "description"],
            capture_output=True, text=True, check=True).stdout
        assert "dn: ou=CH Lyon,ou=etablissements,dc=sante-region,dc=fr" in found
        assert f"description: FINESS {lyon.finess}" in found
        with smtplib.SMTP("127.0.0.1", target["ports"]["messaging"]["smtp"], timeout=10) as smtp:
            smtp.ehlo()
            smtp.mail("medecin@ch-lyon.mssante.fr")
            assert smtp.rcpt("secretariat@ch-lyon.mssante.fr")[0] == 250
            assert smtp.rcpt("someone@example.org")[0] == 554
        assert _health(target, "identity")["version"] == "1.0.0"
        assert _health(target, "identity")["tenants"] == [lyon.finess]
    log = json.dumps(job["log"], ensure_ascii=False)
    assert PASSWORD not in log
    kept = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]  # runner artifacts
    assert kept and not [p for p in kept if PASSWORD in p.read_text(errors="ignore")]
    assert "directory 2.6.0 healthy on t1, t2" in log

    # 2. Upgrade identity.
    upgrade = _run(client, database, client.post(f"{APPS}/deployments", json={
        "releases": [{"service": "identity", "version": "1.1.0"}],
        "targets": ["t1", "t2"], "batch_size": 2}))
    assert upgrade["state"] == "succeeded", upgrade
    assert {_health(t, "identity")["version"] for t in (t1, t2)} == {"1.1.0"}
    # An establishment enrols since: rollbacks must not render it in.
    later = client.post(f"{APPS}/enrolments", json={
        "tenant": make_tenant(name="CH Vienne").finess, "service": "identity"})
    assert later.status_code == 201, later.text

    # 3. A broken release, canary: t1 fails its health check, goes back to 1.1.0, t2 untouched.
    broken = _run(client, database, client.post(f"{APPS}/deployments", json={
        "releases": [{"service": "identity", "version": "1.2.0"}],
        "targets": ["t1", "t2"], "strategy": "canary"}))
    assert broken["state"] == "failed"
    assert "503" in broken["error"] and "t1 back on 1.1.0, answers again" in broken["error"]
    deployment = client.get(f"{APPS}/deployments").json()["items"][0]
    assert deployment["state"] == "rolled_back" and "503" in deployment["reason"]
    assert {_health(t, "identity")["version"] for t in (t1, t2)} == {"1.1.0"}
    assert [_health(t, "identity")["tenants"] for t in (t1, t2)] == [[lyon.finess]] * 2

    # 4. Explicit rollback of the upgrade: identity 1.0.0 again, as it was configured.
    upgrade_id = client.get(f"{APPS}/deployments").json()["items"][1]["id"]
    back = _run(client, database, client.post(f"{APPS}/deployments/{upgrade_id}/rollback"))
    assert back["state"] == "succeeded", back
    assert {_health(t, "identity")["version"] for t in (t1, t2)} == {"1.0.0"}
    assert [_health(t, "identity")["tenants"] for t in (t1, t2)] == [[lyon.finess]] * 2
    assert client.delete(f"{APPS}/enrolments/{later.json()['id']}").status_code == 204

    # 5. Drift: identity's configuration edited by hand on t2; found, then re-synced.
    config_file = Path(t2["prefix"]) / "identity" / "releases" / "1.0.0" / "config.json"
    config_file.write_text(config_file.read_text().replace('"info"', '"debug"'))
    observed = _run(client, database, client.post(f"{APPS}/instances/observe"))
    assert observed["state"] == "succeeded" and observed["result"]["drifted"] == 1
    instances = {(i["service"], i["target"]): i
                 for i in client.get(f"{APPS}/instances").json()["items"]}
    assert instances[("identity", "t2")]["drift"] == ["config: the file was changed on the host"]
    assert instances[("identity", "t1")]["drift"] == []
    resync = client.post(f"{APPS}/instances/resync")
    assert resync.status_code == 202 and len(resync.json()) == 1
    assert jobs.Worker(database).run_once() == resync.json()[0]["job_id"]
    assert '"log_level": "info"' in config_file.read_text()
    assert client.get(f"{APPS}/deployments/{resync.json()[0]['id']}").json()["state"] \
        == "succeeded"

    # 6. Unreachable target mid-rollout: stops there; what is deployed stays healthy.
    lab = {"releases": [{"service": "lab", "version": "1.0.0"}], "targets": ["t1", "t3"]}
    stopped = _run(client, database, client.post(f"{APPS}/deployments", json=lab))
    assert stopped["state"] == "failed" and "t3" in stopped["error"]
    assert "unreachable" in stopped["error"]
    assert _health(t1, "lab")["status"] == "ok"
    assert _health(t1, "identity")["version"] == "1.0.0"

    # 7. t3's server is back: the same deployment, run again, converges.
    with running_sshd(sshd_dir, port=server.port):
        again = _run(client, database, client.post(f"{APPS}/deployments", json=lab))
        assert again["state"] == "succeeded", (again["error"], again["log"][-15:])
        assert _health(t3, "lab")["status"] == "ok" and _health(t1, "lab")["status"] == "ok"
    instances = {(i["service"], i["target"]): i
                 for i in client.get(f"{APPS}/instances").json()["items"]}
    assert instances[("lab", "t3")]["health"] == "healthy"
    key_line = key.strip().splitlines()[1]
    assert key_line not in json.dumps([stopped["log"], again["log"]])
    kept = [p for p in (tmp_path / "data").rglob("*") if p.is_file() and p.name != "t3-ssh-key"]
    assert not [p for p in kept if key_line in p.read_text(errors="ignore")]
