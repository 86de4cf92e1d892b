"""The dynamic inventory: ``ansible-inventory -i inventory/socle_inventory.py --list``
against Socle's API served by uvicorn, with a token from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.deployments.models import Instance
from controlplane.api.app import create_app
from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.settings import Settings
from tests.apps.factories import AppsFactory
from tests.conftest import TenantFactory, TokenFactory
from tests.support.live_server import serve

SCRIPT = Path(__file__).parents[2] / "inventory" / "socle_inventory.py"


@pytest.fixture
def api_url(settings: Settings, database: Database) -> Iterator[str]:
    """Socle's API served by uvicorn in a thread."""
    with serve(create_app(settings, database), name="socle-api") as url:
        yield url


def test_ansible_inventory_lists_socle_hosts_and_groups(
    api_url: str, database: Database, auth: TokenFactory, make_tenant: TenantFactory,
) -> None:
    apps = AppsFactory(database)
    lyon = apps.target(name="app-lyon-1", site=apps.site(make_tenant(), "THD"),
                       ports={"identity": {"http": 18081}})
    apps.target(name="app-gap-1", connection="ssh", address="10.5.0.7", ssh_user="deploy")
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.add(Instance(service="identity", target_id=lyon.id, version="1.0.0",
                        config_sha256="0" * 64))
    token = auth(Role.AUDITOR)["Authorization"].removeprefix("Bearer ")
    env = {**os.environ, "SOCLE_URL": api_url, "SOCLE_TOKEN": token,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["ansible-inventory", "-i", str(SCRIPT), "--list"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    assert listing["svc_identity"]["hosts"] == ["app-lyon-1"]
    assert listing["access_THD"]["hosts"] == ["app-lyon-1"]
    hostvars = listing["_meta"]["hostvars"]
    assert hostvars["app-lyon-1"]["socle_ports"]["identity"]["http"] == 18081
    assert hostvars["app-lyon-1"]["ansible_connection"] == "local"
    assert hostvars["app-gap-1"]["ansible_host"] == "10.5.0.7"
    assert hostvars["app-gap-1"]["ansible_user"] == "deploy"
    assert token not in done.stdout + done.stderr

    env["SOCLE_TOKEN"] = "socle_wrong"
    refused = subprocess.run([sys.executable, str(SCRIPT), "--list"], env=env,
                             capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode == 1 and "401" in refused.stderr
