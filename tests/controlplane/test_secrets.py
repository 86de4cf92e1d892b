"""Secret references: resolved at the last moment, refused when unsafe, never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from controlplane import secrets
from controlplane.secrets import SecretError, check_reference, resolve


def test_environment_and_private_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCLE_TEST_SECRET", "s3cr3t")
    assert resolve("env:SOCLE_TEST_SECRET", tmp_path) == "s3cr3t"
    private = tmp_path / "router.key"
    private.write_text("k3y\n")
    private.chmod(0o600)
    assert resolve("file:router.key", tmp_path) == "k3y"


def test_unsafe_or_missing_secrets_are_refused_without_their_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared.key"
    shared.write_text("visible-to-all")
    shared.chmod(0o644)
    with pytest.raises(SecretError, match="chmod 600") as refused:
        resolve("file:shared.key", tmp_path)
    assert "visible-to-all" not in str(refused.value)
    monkeypatch.delenv("SOCLE_ABSENT", raising=False)
    with pytest.raises(SecretError, match="not set"):
        resolve("env:SOCLE_ABSENT", tmp_path)
    with pytest.raises(SecretError, match="no such file"):
        resolve("file:nope", tmp_path)
    with pytest.raises(SecretError, match="not env:VARIABLE nor file:NAME"):
        resolve("plain-password", tmp_path)


@pytest.mark.parametrize("value", ["hunter2", "env:", "file:../etc/shadow", "vault:x"])
def test_only_references_are_accepted_as_input(value: str) -> None:
    with pytest.raises(ValueError, match="never the secret"):
        check_reference(value)


def test_store_file_writes_an_owner_only_file_and_keeps_generated_keys(tmp_path: Path) -> None:
    reference = secrets.store_file(tmp_path, "tenant.key", "first")
    assert reference == "file:tenant.key"
    assert (tmp_path / "tenant.key").stat().st_mode & 0o777 == 0o600
    assert secrets.store_file(tmp_path, "tenant.key", "second", replace=False) == reference
    assert secrets.resolve(reference, tmp_path) == "first"
    secrets.store_file(tmp_path, "tenant.key", "third")
    assert secrets.resolve(reference, tmp_path) == "third"
