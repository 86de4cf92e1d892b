"""Where restic runs: on this machine (:class:`LocalExecutor`, the embedded demo and
the tests) or on an establishment's host over SSH (:class:`SshExecutor`, with paramiko).

An :class:`Executor` only runs a command with an environment and returns what it
printed (:class:`Completed`); it raises :class:`ResticError` (unreachable) when the host
cannot be reached or the command outlives its timeout.
"""

from __future__ import annotations

import base64
import io
import os
import shlex
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import paramiko

from hosting.drivers.restic_records import Reason, ResticError

#: Environment a local restic keeps from ours (nothing else leaks in, no stray secret).
_KEPT_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")

LineCallback = Callable[[str], None]


@dataclass(frozen=True)
class Completed:
    """A finished command: exit status and what it printed (stdout already streamed)."""

    returncode: int
    stdout: str
    stderr: str


class Executor(Protocol):
    """Runs a command with extra environment on some host (this one, or one over SSH)."""

    #: Where commands run, for messages and reports (``local`` or ``user@host:port``).
    where: str

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        timeout: float,
        on_line: LineCallback | None = None,
    ) -> Completed:
        """Run ``argv`` with ``env`` added to a minimal environment; ``on_line`` sees each
        stdout line as it comes. Raises :class:`ResticError` (unreachable) when the host
        cannot be reached or ``timeout`` seconds pass."""
        ...


class LocalExecutor:
    """Runs commands on this machine, in a minimal environment plus the one given."""

    where = "local"

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        timeout: float,
        on_line: LineCallback | None = None,
    ) -> Completed:
        """See :meth:`Executor.run`."""
        base = {k: os.environ[k] for k in _KEPT_ENVIRONMENT if k in os.environ}
        try:
            process = subprocess.Popen(
                list(argv),
                env={**base, **env},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
            )
        except OSError as exc:
            raise ResticError(f"cannot start {argv[0]}: {exc.strerror}") from None
        stderr: list[str] = []
        reader = threading.Thread(
            target=lambda: stderr.append(process.stderr.read() if process.stderr else ""),
            daemon=True,
        )
        reader.start()
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            process.kill()

        timer = threading.Timer(timeout, expire)
        timer.start()
        try:
            stdout = _collect(process.stdout or io.StringIO(), on_line)
            returncode = process.wait()
        finally:
            timer.cancel()
            reader.join()
        if expired.is_set():
            raise ResticError(f"{argv[0]} {argv[1] if len(argv) > 1 else ''}: timed out "
                              f"after {timeout:.0f} s", reason=Reason.UNREACHABLE)
        return Completed(returncode, stdout, "".join(stderr))


@dataclass(frozen=True)
class SshExecutor:
    """Runs commands on a remote host over SSH (paramiko), host key pinned.

    ``private_key`` is the client key's text (resolved from a secret reference by the
    caller); ``host_key`` is the server's public key (``ssh-ed25519 AAAA...``) and a
    server presenting another key is refused. The environment is sent as ``export``
    lines on the channel's standard input, read by a ``sh`` wrapper, so no secret
    appears on the remote command line (``ps``) nor needs the server's ``AcceptEnv``.
    """

    host: str
    port: int
    user: str
    private_key: str = field(repr=False)
    host_key: str = ""
    connect_timeout: float = 10.0

    @property
    def where(self) -> str:
        """``user@host:port``."""
        return f"{self.user}@{self.host}:{self.port}"

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        timeout: float,
        on_line: LineCallback | None = None,
    ) -> Completed:
        """See :meth:`Executor.run`."""
        wrapper = "sh -c " + shlex.quote('eval "$(cat)"; exec "$@"') + " socle "
        command = wrapper + shlex.join(argv)
        exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items())
        client = paramiko.SSHClient()
        try:
            self._trust(client)
            client.connect(
                self.host,
                port=self.port,
                username=self.user,
                pkey=_load_key(self.private_key),
                timeout=self.connect_timeout,
                banner_timeout=self.connect_timeout,
                auth_timeout=self.connect_timeout,
                allow_agent=False,
                look_for_keys=False,
            )
            stdin, stdout, stderr = client.exec_command(command, timeout=timeout)
            stdin.write(exports)
            stdin.channel.shutdown_write()
            out = _collect(_lines(stdout), on_line)
            returncode = stdout.channel.recv_exit_status()
            err = stderr.read().decode("utf-8", "replace")
        except (paramiko.SSHException, OSError, TimeoutError) as exc:
            raise ResticError(
                f"ssh: {self.where}: {type(exc).__name__}: {exc}", reason=Reason.UNREACHABLE
            ) from None
        finally:
            client.close()
        return Completed(returncode, out, err)

    def _trust(self, client: paramiko.SSHClient) -> None:
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        if self.host_key:
            kind, data = self.host_key.split()[:2]
            name = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
            key = paramiko.PKey.from_type_string(kind, base64.b64decode(data))
            client.get_host_keys().add(name, kind, key)


def _load_key(text: str) -> paramiko.PKey:
    """A private key from its PEM/OpenSSH text, whatever its type."""
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text))
        except paramiko.SSHException:
            continue
    raise paramiko.SSHException("unsupported or unreadable private key")


def _lines(stream: Any) -> Iterator[str]:
    for raw in stream:
        yield raw if isinstance(raw, str) else raw.decode("utf-8", "replace")


def _collect(stream: Iterable[str], on_line: LineCallback | None) -> str:
    kept: list[str] = []
    for line in stream:
        kept.append(line)
        if on_line is not None:
            on_line(line.rstrip("\n"))
    return "".join(kept)
