"""A real OpenSSH server (Debian ``openssh-server``) on a free loopback port, for tests.

It runs as the current user (root in CI, which also lets it log root in), with its own
host key, config, pid file and authorized key in a directory of the caller's choosing,
so several can run at once. Clients log in as :attr:`SshServer.user` with
:attr:`SshServer.client_key` (ed25519, no passphrase) and can pin the host key with
:attr:`SshServer.known_hosts_line`.

Options shape what the server offers, for tests that audit SSH settings:
``password_authentication`` offers passwords, ``weak_algorithms`` also offers SHA-1 key
exchange, CBC ciphers and HMAC-SHA1.

Started again in the same directory with the same ``port``, it is the same server coming
back: its keys are kept.
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")
STARTUP_TIMEOUT_SECONDS = 15.0
WEAK_ALGORITHMS = (
    "KexAlgorithms +diffie-hellman-group14-sha1,diffie-hellman-group1-sha1\n"
    "Ciphers +aes128-cbc,aes256-cbc\n"
    "MACs +hmac-sha1\n"
)


@dataclass(frozen=True)
class SshServer:
    """Where the test sshd listens and how to log in to it."""

    host: str
    port: int
    user: str
    client_key: Path
    host_public_key: str
    directory: Path

    @property
    def known_hosts_line(self) -> str:
        """A known_hosts entry pinning this server's host key."""
        return f"[{self.host}]:{self.port} {self.host_public_key}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "socle-tests", "-f", str(path)],
        check=True,
        capture_output=True,
    )


def _config(directory: Path, port: int, *, password: bool, weak: bool) -> str:
    return (
        f"Port {port}\n"
        "ListenAddress 127.0.0.1\n"
        f"HostKey {directory / 'host_key'}\n"
        f"PidFile {directory / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {directory / 'authorized_keys'}\n"
        "StrictModes no\n"
        "UsePAM no\n"
        "PermitRootLogin prohibit-password\n"
        "PubkeyAuthentication yes\n"
        f"PasswordAuthentication {'yes' if password else 'no'}\n"
        "KbdInteractiveAuthentication no\n"
        "Subsystem sftp internal-sftp\n"
        "LogLevel ERROR\n" + (WEAK_ALGORITHMS if weak else "")
    )


def _wait_for_banner(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                if connection.recv(64).startswith(b"SSH-2.0"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sshd did not answer on 127.0.0.1:{port}")


@contextmanager
def running_sshd(
    directory: Path, *, password_authentication: bool = False, weak_algorithms: bool = False,
    port: int | None = None,
) -> Iterator[SshServer]:
    """Start sshd with its files in ``directory`` (keys made once, kept for a restart) on
    ``port`` (default: a free one); stop it on exit."""
    if not SSHD.exists():
        raise RuntimeError("tests need Debian's openssh-server (scripts/system-deps.sh)")
    directory.mkdir(parents=True, exist_ok=True)
    for key in ("host_key", "client_key"):
        if not (directory / key).exists():
            _keygen(directory / key)
    (directory / "authorized_keys").write_text((directory / "client_key.pub").read_text())
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation directory
    port = port or _free_port()
    config = directory / "sshd_config"
    config.write_text(
        _config(directory, port, password=password_authentication, weak=weak_algorithms)
    )
    log = directory / "sshd.log"  # a file, not a pipe nobody reads (it would fill and block)
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=sink,
        )
    try:
        _wait_for_banner(port, process, log)
        host_key = (directory / "host_key.pub").read_text().split()
        yield SshServer(
            host="127.0.0.1",
            port=port,
            user=getpass.getuser(),
            client_key=directory / "client_key",
            host_public_key=f"{host_key[0]} {host_key[1]}",
            directory=directory,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
