"""The recovery host of a PRA: where a copy is restored and the service restarted.

A :class:`RecoveryHost` drives one host through an
:class:`~hosting.drivers.restic_executors.Executor` (this machine, or a host over SSH
with its key pinned): one folder per exercise under ``workdir`` (named by the exercise's
key, so a retried step or a later teardown finds it again), the service started there
and the probe that fetches files from it over HTTP.

The service stands for the establishment's application: a static HTTP server
(``python3 -m http.server``) serving the restored tree on the host's address, its pid
and log kept in the exercise's folder. It is started detached (``setsid``), so it
outlives the command that started it; stopping it checks the pid still is that server
(its command line names the folder) before signalling it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from hosting.drivers import DriverError
from hosting.drivers.restic_executors import Executor
from hosting.drivers.restic_records import ResticError

#: ``sh -c`` prelude: ``alive PID`` is true while PID is the service of folder ``$f``.
_ALIVE = 'alive() { ps -o args= -p "$1" 2>/dev/null | grep -qF -- "$f/"; }; '
#: Stop the service of folder $1 (if it runs) and remove the folder.
_TEARDOWN = _ALIVE + (
    'f=$1; p=$(cat "$f/service.pid" 2>/dev/null || true); '
    'if [ -n "$p" ] && alive "$p"; then kill "$p"; i=0; '
    'while alive "$p" && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; '
    'alive "$p" && kill -9 "$p"; fi; rm -rf -- "$f"'
)
#: What is left of folder $1: ``folder`` if it exists, ``service PID`` if its server runs.
_LEFT = _ALIVE + (
    'f=$1; [ -e "$f" ] && echo folder; p=$(cat "$f/service.pid" 2>/dev/null || true); '
    'if [ -n "$p" ] && alive "$p"; then echo "service $p"; fi; true'
)
#: Start (unless it runs) the server of folder $1 serving $2 on $3:$4, wait until it listens.
#: It is dead only when three checks in a row miss it: while a process execs, its command
#: line reads empty for an instant, which one check alone would take for an exit.
_SERVE = _ALIVE + (
    'f=$1; p=$(cat "$f/service.pid" 2>/dev/null || true); '
    'if [ -z "$p" ] || ! alive "$p"; then rm -f "$f/service.log"; '
    'setsid python3 -u -m http.server "$4" --bind "$3" --directory "$2" '
    '</dev/null >"$f/service.log" 2>&1 & p=$!; echo "$p" > "$f/service.pid"; fi; '
    'i=0; gone=0; while [ $i -lt 300 ] && [ $gone -lt 3 ]; do '
    'if grep -q "Serving HTTP" "$f/service.log" 2>/dev/null; then echo "pid $p"; '
    'grep -m1 "Serving HTTP" "$f/service.log"; exit 0; fi; '
    'if alive "$p"; then gone=0; else gone=$((gone+1)); fi; sleep 0.1; i=$((i+1)); done; '
    'if [ $gone -ge 3 ]; then why="it exited"; else why="not listening after 30 s"; fi; '
    'echo "the service did not start ($why):" >&2; tail -n 5 "$f/service.log" >&2; exit 1'
)
_LISTENING = re.compile(r"pid (\d+)\s+Serving HTTP on \S+ port (\d+)")


@dataclass(frozen=True)
class Service:
    """The service running on the recovery host: its URL and its process."""

    url: str
    pid: int


@dataclass(frozen=True)
class Fetched:
    """One file as the service served it."""

    path: str
    sha256: str
    bytes: int


class RecoveryHost:
    """One recovery host: exercise folders under ``workdir``, the service on ``address``.

    ``service_port`` 0 lets the server take any free port (it says which). Every method
    raises :class:`DriverError` naming the host when it cannot be reached or refuses.
    """

    def __init__(self, executor: Executor, *, address: str, workdir: str,
                 service_port: int = 0, timeout: float = 120.0) -> None:
        self.executor = executor
        self.address = address
        self.workdir = workdir.rstrip("/")
        self.service_port = service_port
        self.timeout = timeout

    @property
    def where(self) -> str:
        """How the host is reached (``local`` or ``user@host:port``)."""
        return self.executor.where

    def folder(self, key: str) -> str:
        """The exercise's folder on the host."""
        return f"{self.workdir}/{key}"

    def target(self, key: str) -> str:
        """Where the copy is restored to (inside the exercise's folder)."""
        return f"{self.folder(key)}/data"

    def prepare(self, key: str) -> None:
        """An empty exercise folder (0700), what an earlier attempt left removed first."""
        self._sh(_TEARDOWN + '; umask 077; mkdir -p -- "$f"', self.folder(key), what="prepare")

    def serve(self, key: str, root: str) -> Service:
        """The service serving ``root``, started unless an earlier attempt's still runs."""
        done = self._sh(_SERVE, self.folder(key), root, self.address, str(self.service_port),
                        what="start the service")
        found = _LISTENING.search(done)
        if found is None:
            raise DriverError(f"recovery host {self.where}: the service said {done.strip()!r}")
        host = f"[{self.address}]" if ":" in self.address else self.address
        return Service(url=f"http://{host}:{found.group(2)}", pid=int(found.group(1)))

    def fetch(self, service: Service, path: str) -> Fetched:
        """GET ``path`` (relative to the served root) from the service, hashed as it comes."""
        digest, size = hashlib.sha256(), 0
        url = f"{service.url}/{quote(path)}"
        try:
            with httpx.stream("GET", url, timeout=self.timeout) as answer:
                if answer.status_code != 200:
                    raise DriverError(f"service {service.url} on the recovery host "
                                      f"{self.where}: {path}: HTTP {answer.status_code}")
                for chunk in answer.iter_bytes():
                    digest.update(chunk)
                    size += len(chunk)
        except httpx.HTTPError as exc:
            raise DriverError(f"service {service.url} on the recovery host {self.where}: "
                              f"{path}: {type(exc).__name__}: {exc}") from None
        return Fetched(path=path, sha256=digest.hexdigest(), bytes=size)

    def teardown(self, key: str) -> list[str]:
        """Stop the exercise's service and remove its folder; what is left (nothing)."""
        self._sh(_TEARDOWN, self.folder(key), what="teardown")
        return self.leftovers(key)

    def leftovers(self, key: str) -> list[str]:
        """What remains of the exercise on the host (``folder``, ``service PID``)."""
        return self._sh(_LEFT, self.folder(key), what="leftovers").splitlines()

    def _sh(self, script: str, *args: str, what: str) -> str:
        try:
            done = self.executor.run(["sh", "-c", script, "socle-pra", *args], env={},
                                     timeout=self.timeout)
        except ResticError as exc:  # the executors' "cannot reach" error
            raise DriverError(f"recovery host {self.where}: {what}: {exc}") from None
        if done.returncode != 0:
            tail = done.stderr.strip()[-500:] or f"exit status {done.returncode}"
            raise DriverError(f"recovery host {self.where}: {what}: {tail}")
        return done.stdout
