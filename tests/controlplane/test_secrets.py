"""Secret references: resolved at the last moment, only inside their plane's namespace,
refused when unsafe, never echoed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from controlplane.secrets import SecretError, SecretNamespace

NETWORK = SecretNamespace("network")
HOSTING = SecretNamespace("hosting")


def _private(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value + "\n")
    path.chmod(0o600)


def test_environment_and_private_file_of_the_namespace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCLE_SECRET_NETWORK_CE", "s3cr3t")
    assert NETWORK.resolve("env:SOCLE_SECRET_NETWORK_CE", tmp_path) == "s3cr3t"
    _private(tmp_path / "secrets" / "network" / "router.key", "k3y")
    assert NETWORK.resolve("file:router.key", tmp_path) == "k3y"
    assert NETWORK.directory(tmp_path) == tmp_path / "secrets" / "network"
    assert NETWORK.path(tmp_path, "file:router.key") == tmp_path / "secrets/network/router.key"


def test_unsafe_or_missing_secrets_are_refused_without_their_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _private(tmp_path / "secrets" / "network" / "shared.key", "visible-to-all")
    (tmp_path / "secrets" / "network" / "shared.key").chmod(0o644)
    with pytest.raises(SecretError, match="chmod 600") as refused:
        NETWORK.resolve("file:shared.key", tmp_path)
    assert "visible-to-all" not in str(refused.value)
    monkeypatch.delenv("SOCLE_SECRET_NETWORK_ABSENT", raising=False)
    with pytest.raises(SecretError, match="not set"):
        NETWORK.resolve("env:SOCLE_SECRET_NETWORK_ABSENT", tmp_path)
    with pytest.raises(SecretError, match="no such file"):
        NETWORK.resolve("file:nope", tmp_path)
    with pytest.raises(SecretError, match="never the secret"):
        NETWORK.resolve("plain-password", tmp_path)


def test_files_outside_the_namespace_are_out_of_reach(tmp_path: Path) -> None:
    """Files at the data directory's root and another plane's secrets are not found."""
    _private(tmp_path / "router.key", "at-the-root")
    _private(tmp_path / "secrets" / "hosting" / "s3.keys", "AK:SK")
    for reference in ("file:router.key", "file:s3.keys"):
        with pytest.raises(SecretError, match="no such file") as refused:
            NETWORK.resolve(reference, tmp_path)
        assert "at-the-root" not in str(refused.value) and "AK:SK" not in str(refused.value)
    assert HOSTING.resolve("file:s3.keys", tmp_path) == "AK:SK"


@pytest.mark.parametrize(("reference", "what"), [
    ("file:console-secret.key", "console's signing key"),
    ("file:demo-tokens.json", "demo API tokens"),
    ("file:restic-750712184.password", "the hosting plane's"),
    ("file:restic-750712184.password.previous", "restic password"),
    ("file:demo-hds-paris.keys", "the hosting plane's"),
])
def test_names_socle_gives_its_own_files_are_refused_to_other_planes(
    reference: str, what: str, tmp_path: Path
) -> None:
    """Even inside the namespace, where they would be harmless: only a mistake or an
    attempt names them."""
    with pytest.raises(ValueError, match=what):
        NETWORK.check(reference)
    with pytest.raises(SecretError, match="refused"):
        NETWORK.resolve(reference, tmp_path)
    if "restic" in reference or "hds" in reference:
        assert HOSTING.check(reference) == reference
    with pytest.raises(ValueError, match="signing key"):
        HOSTING.check("file:console-secret.key")
    assert NETWORK.check("file:demo-snmp-auth.key") == "file:demo-snmp-auth.key"


@pytest.mark.parametrize("reference", [
    "file:../console-secret.key", "file:../hosting/restic-750712184.password",
    "file:/etc/shadow", "file:.hidden", "file:", "env:SOCLE_DATABASE_URL",
    "env:SOCLE_SECRET_HOSTING_KEYS", "env:SOCLE_SECRET_NETWORK_", "env:HOME",
])
def test_crafted_references_are_refused_before_anything_is_read(
    reference: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reference that got past the schemas (stored before, or written directly) is
    refused at resolution: no file is opened, no variable read."""
    _private(tmp_path / "console-secret.key", "console-signing-key")
    _private(tmp_path / "secrets" / "hosting" / "restic-750712184.password", "restic-pw")
    monkeypatch.setenv("SOCLE_DATABASE_URL", "postgresql+psycopg://socle:db-password@db/socle")
    monkeypatch.setenv("SOCLE_SECRET_HOSTING_KEYS", "AK:SK")
    opened: list[object] = []
    real_open, real_read, real_stat = os.open, Path.read_text, Path.stat
    with monkeypatch.context() as spy, pytest.raises(SecretError, match="refused") as refused:
        spy.setattr(os, "open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
        spy.setattr(Path, "read_text",
                    lambda self, *a, **k: opened.append(self) or real_read(self, *a, **k))
        spy.setattr(Path, "stat",
                    lambda self, *a, **k: opened.append(self) or real_stat(self, *a, **k))
        spy.setattr(os.environ.__class__, "get",
                    lambda self, key, default=None: opened.append(key) or default)
        NETWORK.resolve(reference, tmp_path)
    assert opened == []
    for value in ("console-signing-key", "restic-pw", "db-password", "AK:SK"):
        assert value not in str(refused.value)


def test_an_env_reference_out_of_its_namespace_says_what_to_rename(tmp_path: Path) -> None:
    with pytest.raises(SecretError) as refused:
        NETWORK.resolve("env:SOCLE_SNMP_AUTH_KEY", tmp_path)
    assert "SOCLE_SECRET_NETWORK_SNMP_AUTH_KEY" in str(refused.value)
    assert NETWORK.env_name("ce.password") == "SOCLE_SECRET_NETWORK_CE_PASSWORD"


class _Body(BaseModel):
    credential_ref: NETWORK.reference
    other_ref: NETWORK.reference | None = None


@pytest.mark.parametrize("value", [
    "hunter2", "env:", "file:../etc/shadow", "vault:x", "env:SOCLE_DATABASE_URL",
    "env:SOCLE_SECRET_APPS_X", "file:a/b", "file:" + "x" * 200,
])
def test_the_schemas_accept_only_references_of_their_namespace(value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _Body(credential_ref=value)
    with pytest.raises(ValidationError):
        _Body(credential_ref="file:ok", other_ref=value)
    if len(value) < 200:
        assert "SOCLE_SECRET_NETWORK_" in str(refused.value)
        assert "secrets/network/" in str(refused.value)
    assert _Body(credential_ref="env:SOCLE_SECRET_NETWORK_CE").other_ref is None
    assert _Body(credential_ref="file:ce-lyon.secret").credential_ref == "file:ce-lyon.secret"


def test_store_file_writes_owner_only_files_in_private_directories_and_keeps_keys(
    tmp_path: Path,
) -> None:
    reference = HOSTING.store_file(tmp_path, "tenant.key", "first")
    assert reference == "file:tenant.key"
    path = tmp_path / "secrets" / "hosting" / "tenant.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    assert HOSTING.store_file(tmp_path, "tenant.key", "second", replace=False) == reference
    assert HOSTING.resolve(reference, tmp_path) == "first"
    HOSTING.store_file(tmp_path, "tenant.key", "third")
    assert HOSTING.resolve(reference, tmp_path) == "third"
    assert not (tmp_path / "tenant.key").exists()
    with pytest.raises(SecretError):
        HOSTING.store_file(tmp_path, "../console-secret.key", "x")


def test_namespaces_are_named_by_plane() -> None:
    assert SecretNamespace("apps") == SecretNamespace("apps") != HOSTING
    assert NETWORK.env_prefix == "SOCLE_SECRET_NETWORK_"
    with pytest.raises(ValueError, match="namespace"):
        SecretNamespace("../x")
