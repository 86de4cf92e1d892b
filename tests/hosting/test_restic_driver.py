"""The restic driver against a real SeaweedFS S3 server, locally and over a real sshd."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hosting.drivers.restic import RepositoryAccess, Restic, checksums_on, classify
from hosting.drivers.restic_executors import Completed, LocalExecutor, SshExecutor
from hosting.drivers.restic_records import Reason, ResticError, RetentionRule, parse_sha256sum
from hosting.sim.providers import SimulatedProviders
from tests.support.sshd import SshServer, running_sshd

PASSWORD = "tenant-password-0123456789"
S3_SECRET = "s3-secret-key-9876543210"


@pytest.fixture(scope="module")
def access_for(providers: SimulatedProviders):
    ep = providers.s3[0]

    def make(
        bucket: str, *, url: str | None = None, password: str | None = None
    ) -> RepositoryAccess:
        return RepositoryAccess(
            url=url or f"s3:{ep.url}/{bucket}", password=password or PASSWORD,
            access_key=ep.access_key, secret_key=ep.secret_key,
        )

    return make


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("source")
    (root / "dpi").mkdir()
    (root / "dpi" / "blob.bin").write_bytes(os.urandom(256 * 1024 + 3))
    (root / "notes é.txt").write_text("séjour 2024\n" * 50)
    (root / "odd\nname").write_text("newline in the name")
    return root


@pytest.fixture(scope="module")
def repo(access_for, tmp_path_factory: pytest.TempPathFactory) -> Restic:
    cache = str(tmp_path_factory.mktemp("cache"))
    restic = Restic(access_for("driver-local"), cache_dir=cache, timeout=120)
    assert restic.init() is True
    assert restic.init() is False  # idempotent
    return restic


def test_backup_snapshots_restore_byte_identical(
    repo: Restic, source: Path, tmp_path: Path
) -> None:
    seen: list[float] = []
    summary = repo.backup([str(source)], tags=["socle", "sub-1"], on_progress=seen.append)
    assert summary.files == 3 and summary.bytes > 256 * 1024 and not summary.incomplete
    snapshots = repo.snapshots(tags=["sub-1"])
    assert [s.id for s in snapshots][-1].startswith(summary.snapshot_id)
    assert snapshots[-1].paths == (str(source),) and "socle" in snapshots[-1].tags
    assert repo.snapshots(tags=["someone-else"]) == []

    sums = repo.checksums(str(source))
    assert set(sums) == {"dpi/blob.bin", "notes é.txt", "odd\nname"}
    target = tmp_path / "restored"
    root = repo.restore(summary.snapshot_id, str(target), path=str(source), verify=True)
    assert root == f"{target}{source}"
    assert repo.checksums(root) == sums
    assert (Path(root) / "odd\nname").read_text() == "newline in the name"


def test_forget_with_prune_keeps_the_rule(repo: Restic, source: Path) -> None:
    for _ in range(2):
        repo.backup([str(source)], tags=["retention"])
    before = repo.snapshots(tags=["retention"])
    result = repo.forget(RetentionRule(last=1), tags=["retention"])
    after = repo.snapshots(tags=["retention"])
    assert len(before) == 2 and len(after) == 1
    assert result.kept == (after[0].id,) and len(result.removed) == 1
    with pytest.raises(ValueError):
        RetentionRule().options()


def test_stale_lock_detected_blocks_then_unlocked(repo: Restic) -> None:
    # A backup of a stdin that never ends, killed once it holds its lock: it cannot finish
    # between two lock listings, whatever the machine's speed (a large file could).
    env = {**os.environ, **repo.access.environment(), "RESTIC_CACHE_DIR": repo.cache_dir or ""}
    killed = subprocess.Popen(
        ["restic", "backup", "--stdin", "--stdin-filename", "never-ends.bin"],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not repo.locks() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert killed.stdin is not None
        killed.stdin.close()
    locks = repo.locks()
    assert len(locks) == 1 and locks[0].pid == killed.pid and not locks[0].exclusive
    with pytest.raises(ResticError) as refused:
        repo.forget(RetentionRule(last=5))
    assert refused.value.reason is Reason.LOCKED
    repo.unlock()  # the holder is dead on this host: restic itself calls it stale
    assert repo.locks() == []


def test_failures_are_classified_without_secrets(
    access_for, providers: SimulatedProviders, tmp_path: Path
) -> None:
    missing = Restic(access_for("never-initialised"), timeout=60)
    assert missing.exists() is False
    with pytest.raises(ResticError) as exc:
        missing.snapshots()
    assert exc.value.reason is Reason.MISSING

    wrong = Restic(access_for("driver-local", password="not-the-password"), timeout=60)
    with pytest.raises(ResticError) as exc:
        wrong.snapshots()
    assert exc.value.reason is Reason.DENIED
    assert "not-the-password" not in str(exc.value)
    assert providers.s3[0].secret_key not in str(exc.value)
    assert "not-the-password" not in repr(wrong) + repr(wrong.access)
    assert providers.s3[0].secret_key not in repr(wrong) + repr(wrong.access)
    # an unreachable provider is tested through the backup job (tests/hosting/test_backups.py)


class _Echoing:
    """An executor whose command fails printing its environment, or raising it."""

    where = "echo"

    def __init__(self, *, raises: bool = False) -> None:
        self.raises = raises

    def run(self, argv, *, env, timeout, on_line=None):  # type: ignore[no-untyped-def]
        text = " ".join(f"{k}={v}" for k, v in env.items())
        if self.raises:
            raise ResticError(f"host gone: {text}", reason=Reason.UNREACHABLE)
        return Completed(1, "", f"Fatal: {text}")


def test_secrets_stay_out_of_reprs_and_error_messages() -> None:
    access = RepositoryAccess(url="s3:http://s3.example/bucket", password=PASSWORD,
                              access_key="AKIA-EXAMPLE", secret_key=S3_SECRET)
    for executor in (_Echoing(), _Echoing(raises=True)):
        driver = Restic(access, executor, timeout=5)
        assert PASSWORD not in repr(driver) + repr(access)
        assert S3_SECRET not in repr(driver) + repr(access)
        with pytest.raises(ResticError) as failed:
            driver.snapshots()
        assert PASSWORD not in str(failed.value) and S3_SECRET not in str(failed.value)
        assert "RESTIC_PASSWORD=***" in str(failed.value)  # the command's text, scrubbed
        with pytest.raises(ResticError) as adding:
            driver.add_key("new-password-0123456789")
        assert "new-password-0123456789" not in str(adding.value)
        assert PASSWORD not in str(adding.value)


def test_classify_and_sha256sum_parsing() -> None:
    assert classify("Fatal: unable to create lock in backend: repository is already locked") \
        is Reason.LOCKED
    assert classify("Load(<data/abc>) ciphertext verification failed") is Reason.CORRUPT
    assert classify("write: no space left on device") is Reason.FULL
    assert classify("something else") is Reason.FAILED
    out = "ab12  /r/a.txt\n\\cd34  /r/x\\ny\n"
    assert parse_sha256sum(out, "/r") == {"a.txt": "ab12", "x\ny": "cd34"}


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


def _ssh(server: SshServer, **fields) -> SshExecutor:
    return SshExecutor(host=server.host, port=server.port, user=server.user,
                       private_key=server.client_key.read_text(),
                       host_key=fields.pop("host_key", server.host_public_key), **fields)


def test_ssh_executor_backs_up_and_restores_on_the_remote_host(
    sshd: SshServer, access_for, source: Path, tmp_path: Path
) -> None:
    executor = _ssh(sshd)
    assert "secret" not in repr(executor) and "PRIVATE" not in repr(executor)
    remote = Restic(access_for("driver-ssh"), executor, cache_dir=str(tmp_path / "c"),
                    timeout=120)
    remote.init()
    summary = remote.backup([str(source)], tags=["ssh"])
    target = tmp_path / "over-ssh"
    root = remote.restore(summary.snapshot_id, str(target), path=str(source))
    assert remote.checksums(root) == LocalExecutorChecksums.of(source)
    # secrets went on stdin, never on the command line the server logged or ran
    shown = executor.run(["sh", "-c", "env"], env={"SOCLE_PROBE": "v a'l"}, timeout=30)
    assert "SOCLE_PROBE=v a'l" in shown.stdout


def test_ssh_executor_refuses_an_unknown_host_key(sshd: SshServer, access_for) -> None:
    other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    remote = Restic(access_for("driver-ssh"), _ssh(sshd, host_key=other), timeout=30)
    with pytest.raises(ResticError) as exc:
        remote.snapshots()
    assert exc.value.reason is Reason.UNREACHABLE and "ssh:" in str(exc.value)


class LocalExecutorChecksums:
    """Checksums computed on this machine, to compare with a remote host's."""

    @staticmethod
    def of(root: Path) -> dict[str, str]:
        return checksums_on(LocalExecutor(), str(root), timeout=60)
