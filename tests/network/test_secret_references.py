"""Routers' credential references resolve only in the network plane's namespace.

The security review's reproduction: a ``network-engineer`` registered a device whose
``credential_ref`` named the console's signing key (or a tenant's restic password, or
``SOCLE_DATABASE_URL``), pointed it at an SSH server of theirs and asked for a plan:
Socle logged in with the "password". Such references are now refused at the edge, and
any that reached the database anyway is refused at resolution, before a login.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from controlplane import jobs
from controlplane.db import Database, Scope
from controlplane.models import AuditRecord, Job, JobLog
from controlplane.settings import Settings
from network.inventory.models import Device
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory

NET = "/api/v1/network"
CONSOLE_KEY = "c0ns0le-signing-key-of-the-review"
RESTIC_PASSWORD = "restic-password-of-the-review"
DATABASE_PASSWORD = "db-password-of-the-review"


@pytest.fixture
def planted(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The secrets the review reached: the console key at the data directory's root,
    a restic password among the hosting plane's secrets (and a stale copy at the root,
    as before the namespaces), the database URL in the environment."""
    data = settings.data_dir
    for path, value in [(data / "console-secret.key", CONSOLE_KEY),
                        (data / "secrets/hosting/restic-750712184.password", RESTIC_PASSWORD),
                        (data / "restic-750712184.password", RESTIC_PASSWORD),
                        (data / "secrets/hosting/hds-a.keys", RESTIC_PASSWORD)]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value)
        path.chmod(0o600)
    monkeypatch.setenv("SOCLE_DATABASE_URL_COPY", f"postgresql://socle:{DATABASE_PASSWORD}@db/")
    return data


def _count(database: Database, *what: Any) -> int:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return db.scalar(select(func.count()).select_from(*what)) or 0


@pytest.mark.parametrize(("reference", "said"), [
    ("file:console-secret.key", "console's signing key"),
    ("file:restic-750712184.password", "the hosting plane's"),
    ("env:SOCLE_DATABASE_URL", "SOCLE_SECRET_NETWORK_"),
    ("env:SOCLE_DATABASE_URL_COPY", "SOCLE_SECRET_NETWORK_"),
    ("file:../console-secret.key", "secrets/network/"),
    ("file:../hosting/hds-a.keys", "secrets/network/"),
])
def test_a_network_engineer_cannot_register_a_reference_out_of_the_network_namespace(
    reference: str, said: str, client: TestClient, database: Database, auth: TokenFactory,
    make_tenant: TenantFactory, planted: Path,
) -> None:
    net = NetworkFactory(database)
    site = net.site(make_tenant())
    headers = auth("network-engineer")
    devices, audited = _count(database, Device), _count(database, AuditRecord)
    body = {"hostname": "ce-attacker-1", "role": "CE", "platform": "cisco_ios",
            "site": site.code, "mgmt_address": "192.0.2.66", "username": "x",
            "credential_ref": reference}
    answer = client.post(f"{NET}/devices", json=body, headers=headers)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert [e["field"] for e in problem["errors"]] == ["credential_ref"]
    assert said in problem["errors"][0]["message"]
    assert "SOCLE_SECRET_NETWORK_" in problem["detail"] or "secrets/network/" in problem["detail"]
    for secret in (CONSOLE_KEY, RESTIC_PASSWORD, DATABASE_PASSWORD):
        assert secret not in answer.text
    assert (_count(database, Device), _count(database, AuditRecord)) == (devices, audited)

    ce = net.device(site)
    changed = client.patch(f"{NET}/devices/{ce.id}", json={"credential_ref": reference},
                           headers=headers)
    assert changed.status_code == 422, changed.text
    assert said in changed.json()["errors"][0]["message"]
    shown = client.get(f"{NET}/devices/{ce.id}", headers=headers).json()
    assert shown["credential_ref"] == ce.credential_ref


def test_references_of_the_network_namespace_are_accepted(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory,
) -> None:
    site = NetworkFactory(database).site(make_tenant())
    for n, reference in enumerate(["env:SOCLE_SECRET_NETWORK_CE_PASSWORD", "file:ce-lyon.secret"]):
        body = {"hostname": f"ce-ok-{n}", "role": "CE", "platform": "cisco_ios",
                "site": site.code, "mgmt_address": f"192.0.2.{70 + n}", "username": "socle",
                "credential_ref": reference}
        answer = client.post(f"{NET}/devices", json=body, headers=auth("network-engineer"))
        assert answer.status_code == 201, answer.text
        assert answer.json()["credential_ref"] == reference


@pytest.mark.parametrize("reference", [
    "file:hds-a.keys",  # well-formed, but the file is the hosting plane's
    "file:restic-750712184.password",  # crafted: written to the database directly
    "file:../console-secret.key",
    "file:console-secret.key",
    "env:SOCLE_DATABASE_URL_COPY",
])
def test_the_config_backup_never_logs_in_with_a_secret_out_of_the_network_namespace(
    reference: str, client: TestClient, database: Database, auth: TokenFactory,
    make_tenant: TenantFactory, planted: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever the stored reference, the backup job (the daily one, here asked for
    through the API) fails for that router naming the reference, and the SSH driver is
    never asked to log in."""
    from network.drivers import ssh

    logins: list[Any] = []
    monkeypatch.setattr(ssh.NetmikoDriver, "open", lambda self, login, **_: logins.append(login))
    net = NetworkFactory(database)
    ce = net.device(net.site(make_tenant()))
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.execute(update(Device).where(Device.id == ce.id).values(credential_ref=reference))
    answer = client.post(f"{NET}/backups", headers=auth("network-engineer"))
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job"]["id"]
    assert jobs.Worker(database).run_once() == job_id
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        state, error = db.execute(select(Job.state, Job.error).where(Job.id == job_id)).one()
        logs = db.scalars(select(JobLog.message).where(JobLog.job_id == job_id)).all()
    said = f"{error} " + " ".join(logs)
    assert state == "failed"
    assert f"{ce.hostname}: secret " in said and reference in said
    assert ("refused" if reference != "file:hds-a.keys" else "no such file") in said
    assert logins == []
    for secret in (CONSOLE_KEY, RESTIC_PASSWORD, DATABASE_PASSWORD):
        assert secret not in said
