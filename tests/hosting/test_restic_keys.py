"""The restic driver's key commands over a real sshd (the establishment's host case): a
new key is added through a 0600 file on that host, which is gone afterwards, and the
password appears in no error text; the old key is removed with the new password. The
passwords are hosting secrets, resolved as the backup plane does before the driver gets
them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hosting.backup.repositories import password_of
from hosting.drivers.restic import RepositoryAccess, Restic
from hosting.drivers.restic_executors import SshExecutor
from hosting.drivers.restic_records import Reason, ResticError
from hosting.secrets import SECRETS
from tests.support.sshd import SshServer, running_sshd


def secret(directory: Path, name: str, value: str) -> str:
    return SECRETS.store_file(directory, name, value)


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    with running_sshd(tmp_path / "sshd") as server:
        yield server


def test_add_list_and_remove_keys_over_ssh(sshd: SshServer, tmp_path: Path) -> None:
    old, new = "ancien-mot-de-passe-0123", "nouveau-mot-de-passe-4567"
    scratch = tmp_path / "tmp"  # the "remote" host's TMPDIR, to see what is left there
    scratch.mkdir()
    executor = SshExecutor(host=sshd.host, port=sshd.port, user=sshd.user,
                           private_key=sshd.client_key.read_text(),
                           host_key=sshd.host_public_key)
    access = RepositoryAccess(url=str(tmp_path / "repo"),
                              password=password_of(secret(tmp_path, "old", old), tmp_path))
    repo = Restic(access, executor, timeout=120)
    repo.init()
    following = repo.with_password(password_of(secret(tmp_path, "new", new), tmp_path))
    assert repo.opens() and not following.opens()
    Restic(access, _TmpdirExecutor(executor, str(scratch)), timeout=120).add_key(
        password_of("file:new", tmp_path))
    assert following.opens()
    assert list(scratch.iterdir()) == []  # the 0600 password file was removed
    (old_key,) = [k.id for k in repo.list_keys() if k.current]
    assert [k.id for k in following.list_keys() if k.current] != [old_key]
    with pytest.raises(ResticError) as refused:  # restic keeps the key in use
        repo.remove_key(old_key)
    assert old not in str(refused.value) and new not in str(refused.value)
    following.remove_key(old_key)
    assert not repo.opens() and following.opens()
    assert [k.current for k in following.list_keys()] == [True]
    with pytest.raises(ResticError) as missing:  # as the driver reported it before
        password_of("file:absent", tmp_path)
    assert "absent" in str(missing.value) and missing.value.reason is Reason.DENIED
    assert os.stat(SECRETS.path(tmp_path, "file:new")).st_mode & 0o777 == 0o600


class _TmpdirExecutor:
    """The SSH executor with ``TMPDIR`` set on the remote side (where mktemp writes)."""

    def __init__(self, inner: SshExecutor, tmpdir: str) -> None:
        self.inner, self.tmpdir, self.where = inner, tmpdir, inner.where

    def run(self, argv, *, env, timeout, on_line=None):  # type: ignore[no-untyped-def]
        return self.inner.run(argv, env={**env, "TMPDIR": self.tmpdir}, timeout=timeout,
                              on_line=on_line)
