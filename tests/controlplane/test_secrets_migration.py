"""Migration 0016: the secret files stored references name move into their plane's
namespace, nothing is lost, and what cannot (or must not) move is named in a warning."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, update

from apps.deployments.models import Deployment
from apps.secrets import SECRETS as APPS
from apps.targets.models import AppTarget
from controlplane.db import Database, Scope
from controlplane.db.migrate import alembic_config, current_revision, head_revision, upgrade
from controlplane.settings import Settings, get_settings
from hosting.backup.models import BackupPolicy
from hosting.providers.models import HostingProvider
from hosting.secrets import SECRETS as HOSTING
from network.inventory.models import Device
from network.secrets import SECRETS as NETWORK
from tests.apps.factories import AppsFactory
from tests.conftest import TenantFactory
from tests.hosting.factories import HostingFactory
from tests.network.factories import NetworkFactory

LEGACY_VALUES = {  # file name at the data directory's root -> its secret
    "ce-lyon.secret": "router-password-1",
    "console-secret.key": "console-signing-key-0123456789",
    "hds-a.keys": "AKIA1:provider-secret",
    "shared-ssh.key": "-----BEGIN OPENSSH PRIVATE KEY-----x",
    "ldap-admin.pw": "ldap-admin-password",
    "snmp-auth.key": "snmp-auth-key-1234",
    "already.key": "stale-copy-at-the-root",
}


def _set(database: Database, model: type, row_id: int, **values: object) -> None:
    """Store a value as an older Socle (or an attacker, before the fix) did: no schema."""
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.execute(update(model).where(model.id == row_id).values(**values))


def _private(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value + "\n")
    path.chmod(0o600)


def test_referenced_files_move_into_their_planes_namespace(
    settings: Settings, database: Database, make_tenant: TenantFactory,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    tenant = make_tenant()
    restic = f"restic-{tenant.finess.lower()}.password"
    net, hosting, apps = NetworkFactory(database), HostingFactory(database), AppsFactory(database)
    site = net.site(tenant)
    devices = {ref: net.device(site).id for ref in (
        "file:ce-lyon.secret", "file:console-secret.key", f"file:{restic}",
        "env:SOCLE_CE_PASSWORD", "file:missing.key", "file:already.key", "file:socle.db")}
    for ref, device_id in devices.items():
        _set(database, Device, device_id, credential_ref=ref)
    provider = hosting.provider(credential_ref="file:hds-a.keys")
    subscription = hosting.subscription(tenant)
    with database.transaction(scope=Scope.unrestricted()) as db:
        policy = BackupPolicy(
            tenant_id=tenant.id, subscription_id=subscription.id, source_path="/srv/data",
            executor={"kind": "ssh", "host": "h", "user": "u", "key_ref": "file:shared-ssh.key",
                      "host_key": "ssh-ed25519 AAAA"},
            password_ref=f"file:{restic}", frequency_hours=24, retention_days=7, rpo_hours=24)
        db.add(policy)
        db.flush()
        policy_id = policy.id
        deployment = Deployment(created_by="tests", secret_refs={"directory": {
            "admin_password": "file:ldap-admin.pw", "replica": "env:LDAP_REPLICA_PW"}})
        db.add(deployment)
        db.flush()
        deployment_id = deployment.id
    target = apps.target(ssh_key_ref="file:shared-ssh.key")
    monkeypatch.setenv("SOCLE_NETWORK_SNMP_AUTH_REF", "file:snmp-auth.key")
    monkeypatch.setenv("SOCLE_NETWORK_SNMP_PRIV_REF", "env:SOCLE_SNMP_PRIV_KEY")
    get_settings.cache_clear()

    command.downgrade(alembic_config(database.url), "0015")  # an installation of before
    data = settings.data_dir
    values = {**LEGACY_VALUES, restic: "restic-password", f"{restic}.next": "restic-next"}
    for name, value in values.items():
        _private(data / name, value)
    NETWORK.store_file(data, "already.key", "moved-earlier")
    if database.url.startswith("sqlite"):
        (data / "socle.db").symlink_to(Path(database.url.removeprefix("sqlite:///")))

    with caplog.at_level(logging.INFO):
        upgrade(database.url)
    assert current_revision(database.engine) == head_revision(database.url)

    def where(name: str) -> list[str]:
        places = [p for p in ("network", "hosting", "apps")
                  if (data / "secrets" / p / name).exists()]
        return places + (["root"] if (data / name).exists() else [])

    assert where("ce-lyon.secret") == ["network"]
    assert where("snmp-auth.key") == ["network"]
    assert where("hds-a.keys") == where(restic) == where(f"{restic}.next") == ["hosting"]
    assert where("shared-ssh.key") == ["hosting", "apps"]  # copied into each, warned
    assert where("ldap-admin.pw") == ["apps"]
    assert where("console-secret.key") == ["root"]  # Socle's own: never moved
    assert where("already.key") == ["network", "root"]  # kept as it was, never overwritten
    assert where("missing.key") == []
    assert (NETWORK.directory(data) / "already.key").read_text().strip() == "moved-earlier"
    for plane in ("network", "hosting", "apps"):
        assert stat.S_IMODE((data / "secrets" / plane).stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "secrets").stat().st_mode) == 0o700
    assert stat.S_IMODE((APPS.directory(data) / "shared-ssh.key").stat().st_mode) == 0o600

    # the references keep their text and resolve in their plane's namespace
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        stored = dict(db.execute(select(Device.id, Device.credential_ref)).all())
        assert db.get_one(HostingProvider, provider.id).credential_ref == "file:hds-a.keys"
        assert db.get_one(BackupPolicy, policy_id).password_ref == f"file:{restic}"
        assert db.get_one(AppTarget, target.id).ssh_key_ref == "file:shared-ssh.key"
    assert {stored[i]: i for i in devices.values()} == devices
    assert NETWORK.resolve("file:ce-lyon.secret", data) == "router-password-1"
    assert NETWORK.resolve("file:snmp-auth.key", data) == "snmp-auth-key-1234"
    assert HOSTING.resolve(f"file:{restic}", data) == "restic-password"
    assert HOSTING.resolve(f"file:{restic}.next", data) == "restic-next"
    assert HOSTING.resolve("file:shared-ssh.key", data) == APPS.resolve("file:shared-ssh.key",
                                                                       data)
    assert APPS.resolve("file:ldap-admin.pw", data) == "ldap-admin-password"

    # each reference that could not (or must not) move is named, never a value
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    said = "\n".join(warnings)
    for expected in (
        f"env:SOCLE_CE_PASSWORD (network_devices id {devices['env:SOCLE_CE_PASSWORD']})",
        "e.g. to SOCLE_SECRET_NETWORK_CE_PASSWORD",
        f"env:LDAP_REPLICA_PW (apps_deployments id {deployment_id} directory.replica)",
        "env:SOCLE_SNMP_PRIV_KEY (setting SOCLE_NETWORK_SNMP_PRIV_REF)",
        f"file:console-secret.key (network_devices id {devices['file:console-secret.key']})",
        f"file:{restic} (network_devices id {devices[f'file:{restic}']})",
        "shared-ssh.key is referenced by several planes",
    ):
        assert expected in said, said
    if database.url.startswith("sqlite"):
        assert f"file:socle.db (network_devices id {devices['file:socle.db']})" in said
        assert where("socle.db") == ["root"]
    assert "SOCLE_SECRET_NETWORK_" in said and "SOCLE_SECRET_APPS_" in said
    for value in values.values():
        assert value not in caplog.text

    # down again (the files back where revision 0015 reads them), and up: the same
    command.downgrade(alembic_config(database.url), "0015")
    assert where("ce-lyon.secret") == where(restic) == ["root"]
    assert (data / "ce-lyon.secret").read_text().strip() == "router-password-1"
    upgrade(database.url)
    assert where("ce-lyon.secret") == ["network"] and where(restic) == ["hosting"]
    assert HOSTING.resolve(f"file:{restic}", data) == "restic-password"
