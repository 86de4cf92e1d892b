"""Drift detection alone (one Ansible run): manifests written on a local target are read
back by the observe playbook and compared with what Socle says should run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from apps.deployments.models import Instance
from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database, Scope
from tests.apps.factories import AppsFactory
from tests.conftest import BACKENDS, TokenFactory

APPS = "/api/v1/apps"


@pytest.fixture(params=BACKENDS[:1])
def database_url(request: pytest.FixtureRequest) -> str:
    """One backend: Ansible's side does not depend on it."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_factory").new_url()
    return request.getfixturevalue("postgres_factory").new_url()


def _install(home: Path, version: str, config: str, sha: str) -> None:
    """What deploy-service.yml leaves on a host: the config file and the manifest."""
    (home / "releases" / version).mkdir(parents=True)
    path = home / "releases" / version / "config.json"
    path.write_text(config)
    (home / "manifest.json").write_text(json.dumps({
        "service": home.name, "version": version, "config_sha256": sha, "config_path": str(path),
        "config_file_sha1": hashlib.sha1(config.encode()).hexdigest()}))


def test_observe_records_version_config_and_missing_drift(
    client: TestClient, database: Database, auth: TokenFactory, tmp_path: Path,
) -> None:
    apps = AppsFactory(database)
    target = apps.target(prefix=str(tmp_path), python="/usr/bin/python3")
    _install(tmp_path / "identity", "1.0.0", '{"a": 1}', "0" * 64)
    _install(tmp_path / "registry", "1.1.0", '{"a": 1}', "0" * 64)
    _install(tmp_path / "lab", "1.0.0", '{"a": 1}', "0" * 64)
    (tmp_path / "lab" / "releases" / "1.0.0" / "config.json").write_text('{"a": 2}')
    with database.transaction(scope=Scope.unrestricted()) as db:
        for service in ("identity", "registry", "lab", "coordination"):
            db.add(Instance(service=service, target_id=target.id, version="1.0.0",
                            config_sha256="0" * 64))
    answer = client.post(f"{APPS}/instances/observe", headers=auth(Role.GCS_OPERATOR))
    assert answer.status_code == 202
    assert jobs.Worker(database).run_once() == answer.json()["job"]["id"]
    job = client.get(f"/api/v1/jobs/{answer.json()['job']['id']}",
                     headers=auth(Role.GCS_OPERATOR)).json()
    assert job["state"] == "succeeded", job["error"]
    drift = {i["service"]: i["drift"] for i in client.get(
        f"{APPS}/instances", headers=auth(Role.AUDITOR)).json()["items"]}
    assert drift["identity"] == ["config: out of date (enrolments or settings changed)"]
    assert "version: runs 1.1.0, should run 1.0.0" in drift["registry"]
    assert "config: the file was changed on the host" in drift["lab"]
    assert drift["coordination"] == ["missing: no manifest on the host"]
