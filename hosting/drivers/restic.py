"""The restic driver: one repository, driven through ``restic --json`` on some host.

:class:`Restic` builds restic's commands, runs them through an
:class:`~hosting.drivers.restic_executors.Executor`, parses their JSON into
:mod:`hosting.drivers.restic_records` and turns failures into a :class:`ResticError`
whose ``reason`` (locked, unreachable, full, missing, denied, corrupt, failed) the
backup plane acts on.

Secrets (the repository password, the S3 keys) are given already resolved, by the
caller, in a :class:`RepositoryAccess` that keeps them out of its repr; the driver never
looks a secret up. They travel in the process environment (locally) or on the SSH
channel's standard input (remotely), never on a command line, and any error text is
scrubbed of them before it is raised.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hosting.drivers.restic_executors import Completed, Executor, LineCallback, LocalExecutor
from hosting.drivers.restic_records import (
    BackupSummary,
    ForgetResult,
    Lock,
    Reason,
    RepositoryKey,
    ResticError,
    RetentionRule,
    Snapshot,
    damaged_packs,
    parse_sha256sum,
    parse_time,
)

#: Carries a new key's password to the wrapper that writes it to a 0600 file for restic.
NEW_PASSWORD_VARIABLE = "SOCLE_RESTIC_NEW_PASSWORD"  # noqa: S105 (a name)
_SECRET_VARIABLES = ("RESTIC_PASSWORD", "AWS_SECRET_ACCESS_KEY", NEW_PASSWORD_VARIABLE)
#: ``sh -c`` script running ``"$@" --new-password-file FILE``: FILE is a 0600 temporary
#: file on the executor's host holding the new password, removed when restic ends.
_WITH_NEW_PASSWORD_FILE = (
    'umask 077; f=$(mktemp) || exit 1; trap \'rm -f "$f"\' EXIT; '
    f'printf "%s" "${NEW_PASSWORD_VARIABLE}" > "$f" || exit 1; unset {NEW_PASSWORD_VARIABLE}; '
    '"$@" --new-password-file "$f"'
)
_DEFAULT_TIMEOUT = 3600.0
_PROGRESS_INTERVAL = 0.5  # seconds between two progress callbacks

ProgressCallback = Callable[[float], None]


# First match wins: lower-cased fragments of restic's (or the S3 server's) error text.
_REASONS: tuple[tuple[Reason, tuple[str, ...]], ...] = (
    (Reason.LOCKED, ("repository is already locked", "unable to create lock")),
    (
        Reason.CORRUPT,
        (
            "ciphertext verification failed",
            "repository contains errors",
            "does not match",
            "pack file cannot be listed",
            "invalid data returned",
            "unexpected eof",
            "checksum mismatch",
        ),
    ),
    (
        Reason.FULL,
        ("no space left", "quotaexceeded", "storagefull", "insufficientstorage", "disk quota"),
    ),
    (
        Reason.DENIED,
        (
            "wrong password",
            "no key found",
            "access denied",
            "accessdenied",
            "signaturedoesnotmatch",
            "invalidaccesskeyid",
        ),
    ),
    (
        Reason.UNREACHABLE,
        (
            "connection refused",
            "no such host",
            "dial tcp",
            "i/o timeout",
            "deadline exceeded",
            "timed out",
            "network is unreachable",
            "ssh:",
        ),
    ),
    (
        Reason.MISSING,
        (
            "is there a repository at the following location",
            "config file does not exist",
            "bucket does not exist",
            "nosuchbucket",
        ),
    ),
)


def classify(text: str) -> Reason:
    """The :class:`Reason` a restic error text points at (``failed`` when unknown)."""
    lowered = text.lower()
    for reason, fragments in _REASONS:
        if any(fragment in lowered for fragment in fragments):
            return reason
    return Reason.FAILED


def wrong_password(exc: ResticError) -> bool:
    """True if restic refused the password (no key of the repository opens with it)."""
    return exc.reason is Reason.DENIED and "wrong password" in str(exc).lower()


def scrub(text: str, hidden: Iterable[str]) -> str:
    """``text`` with every value of ``hidden`` (secrets) replaced by ``***``."""
    for value in hidden:
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text


# -- repository access -------------------------------------------------------------------


@dataclass(frozen=True)
class RepositoryAccess:
    """How to open one repository: its URL and its secrets, resolved by the caller.

    ``url`` is restic's (``s3:http://host:port/bucket/prefix``); ``password`` opens the
    repository; ``access_key`` and ``secret_key`` are the S3 keys (none for a repository
    that is a local path). The secrets are kept out of the repr.
    """

    url: str
    password: str = field(repr=False)
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    region: str = "eu-west-3"

    def environment(self) -> dict[str, str]:
        """restic's environment for this repository."""
        env = {
            "RESTIC_REPOSITORY": self.url,
            "RESTIC_PASSWORD": self.password,
            "AWS_DEFAULT_REGION": self.region,
        }
        if self.access_key is not None and self.secret_key is not None:
            env["AWS_ACCESS_KEY_ID"] = self.access_key
            env["AWS_SECRET_ACCESS_KEY"] = self.secret_key
        return env


# -- the driver -------------------------------------------------------------------------


class Restic:
    """One restic repository, driven through an :class:`Executor`.

    Every method runs one (or a few) restic commands and returns parsed JSON; a failure
    raises :class:`ResticError` with its :class:`Reason` and restic's last error lines,
    scrubbed of secrets.
    """

    def __init__(
        self,
        access: RepositoryAccess,
        executor: Executor | None = None,
        *,
        binary: str = "restic",
        cache_dir: str | None = None,
        timeout: float = _DEFAULT_TIMEOUT,
        no_cache: bool = False,
    ) -> None:
        self.access = access
        self.no_cache = no_cache
        self.executor: Executor = executor or LocalExecutor()
        self.binary = binary
        self.cache_dir = cache_dir
        self.timeout = timeout

    # -- plumbing ----------------------------------------------------------------------
    def _run(
        self,
        *args: str,
        on_line: LineCallback | None = None,
        ok_codes: tuple[int, ...] = (0,),
        extra_env: Mapping[str, str] | None = None,
        wrapper: Sequence[str] = (),
    ) -> Completed:
        env = self.access.environment() | dict(extra_env or {})
        if self.cache_dir:
            env["RESTIC_CACHE_DIR"] = self.cache_dir
        hidden = [v for k, v in env.items() if k in _SECRET_VARIABLES]
        argv = [*wrapper, self.binary, *(["--no-cache"] if self.no_cache else []), *args]
        try:
            done = self.executor.run(argv, env=env, timeout=self.timeout, on_line=on_line)
        except ResticError as exc:
            raise ResticError(scrub(str(exc), hidden), reason=exc.reason) from None
        if done.returncode not in ok_codes:
            text = scrub(done.stderr.strip() or done.stdout.strip(), hidden)
            tail = "\n".join(text.splitlines()[-6:]) or f"exit status {done.returncode}"
            reason = classify(text)
            if done.returncode < 0 and reason is Reason.FAILED:
                reason = Reason.UNREACHABLE  # killed at the timeout
            raise ResticError(
                f"restic {args[0]} on {self.executor.where} ({self.access.url}): {tail}",
                reason=reason,
                packs=damaged_packs(text) if reason is Reason.CORRUPT else (),
            )
        return done

    def _json(self, *args: str) -> Any:
        done = self._run(*args, "--json")
        return json.loads(done.stdout or "null")

    # -- repository --------------------------------------------------------------------
    def exists(self) -> bool:
        """True if the repository is initialised (its config can be read)."""
        try:
            self._run("cat", "config", "--no-lock")
        except ResticError as exc:
            if exc.reason is Reason.MISSING:
                return False
            raise
        return True

    def init(self) -> bool:
        """Initialise the repository if it does not exist; True if it was created now."""
        try:
            self._run("init")
        except ResticError as exc:
            text = str(exc).lower()
            if "already initialized" in text or "already exists" in text:
                return False
            raise
        return True

    def opens(self) -> bool:
        """True if this driver's password opens the repository, False if restic refuses it."""
        try:
            self._run("cat", "config", "--no-lock")
        except ResticError as exc:
            if wrong_password(exc):
                return False
            raise
        return True

    # -- keys (passwords) ------------------------------------------------------------------
    def with_password(self, password: str) -> Restic:
        """The same repository and host, opened with another password."""
        return Restic(dataclasses.replace(self.access, password=password),
                      self.executor, binary=self.binary, cache_dir=self.cache_dir,
                      timeout=self.timeout, no_cache=self.no_cache)

    def list_keys(self) -> list[RepositoryKey]:
        """The repository's keys; the one this driver's password opens is ``current``."""
        return [RepositoryKey.from_json(item) for item in self._json("key", "list") or []]

    def add_key(self, new_password: str) -> None:
        """Add a key opened by ``new_password``.

        The password reaches restic through a 0600 temporary file on the executor's host,
        written from the command's environment (never its command line) and removed after.
        """
        self._run("key", "add", extra_env={NEW_PASSWORD_VARIABLE: new_password},
                  wrapper=("sh", "-c", _WITH_NEW_PASSWORD_FILE, "socle-key-add"))

    def remove_key(self, key_id: str) -> None:
        """Remove the key ``key_id`` (restic refuses to remove the driver's own key)."""
        self._run("key", "remove", key_id)

    # -- backup and snapshots ------------------------------------------------------------
    def backup(
        self,
        paths: Sequence[str],
        *,
        tags: Sequence[str] = (),
        host: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> BackupSummary:
        """Back up ``paths`` (absolute, on the executor's host) as one snapshot."""
        args = ["backup", "--json"]
        for tag in tags:
            args += ["--tag", tag]
        if host:
            args += ["--host", host]
        summary: dict[str, Any] = {}
        throttle = _Throttle(on_progress)

        def on_line(line: str) -> None:
            message = _message(line)
            if message.get("message_type") == "summary":
                summary.update(message)
            elif message.get("message_type") == "status":
                throttle(float(message.get("percent_done", 0.0)))

        done = self._run(*args, "--", *paths, on_line=on_line, ok_codes=(0, 3))
        if not summary:
            raise ResticError(f"restic backup on {self.executor.where} printed no summary")
        return BackupSummary.from_json(summary, incomplete=done.returncode == 3)

    def snapshots(self, *, tags: Sequence[str] = ()) -> list[Snapshot]:
        """The snapshots (oldest first), only those carrying every tag of ``tags``."""
        args = ["snapshots", "--no-lock"]
        if tags:
            args += ["--tag", ",".join(tags)]
        return [Snapshot.from_json(item) for item in self._json(*args) or []]

    def restore(self, snapshot_id: str, target: str, *, path: str, verify: bool = False) -> str:
        """Restore ``snapshot_id`` under ``target``; returns where the content of its
        backed-up ``path`` (absolute) now is (restic keeps the full path under ``target``)."""
        args = ["restore", snapshot_id, "--target", target, "--include", path]
        if verify:
            args.append("--verify")
        self._run(*args)
        return f"{target.rstrip('/')}/{path.strip('/')}"

    def check(self, *, group: tuple[int, int] | None = None) -> None:
        """``restic check``: the structure (indexes, snapshots, trees) and, with ``group``
        ``(n, t)``, the n-th of t fixed groups of the data packs (restic groups them by
        their ID), read and verified. Any error restic reports raises
        :class:`ResticError` (``corrupt`` with the damaged ``packs`` when it found
        damage)."""
        if group is not None and not 1 <= group[0] <= group[1]:
            raise ValueError(f"no pack group {group[0]}/{group[1]}")
        subset = [f"--read-data-subset={group[0]}/{group[1]}"] if group else []
        self._run("check", *subset)

    def forget(
        self, rule: RetentionRule, *, prune: bool = True, tags: Sequence[str] = ()
    ) -> ForgetResult:
        """Apply ``rule`` (per host and paths), pruning unreferenced data with ``prune``."""
        args = ["forget", *rule.options()]
        if tags:
            args += ["--tag", ",".join(tags)]
        if prune:
            args.append("--prune")
        groups = _first_json(self._run(*args, "--json").stdout) or []
        kept = tuple(s["id"] for g in groups for s in (g.get("keep") or []))
        removed = tuple(s["id"] for g in groups for s in (g.get("remove") or []))
        return ForgetResult(kept=kept, removed=removed)

    # -- locks --------------------------------------------------------------------------
    def locks(self, *, now: datetime | None = None) -> list[Lock]:
        """The repository's locks, each with its age at ``now``."""
        now = now or datetime.now(UTC)
        ids = self._run("list", "locks", "--no-lock").stdout.split()
        found = []
        for lock_id in ids:
            try:
                data = json.loads(self._run("cat", "lock", lock_id, "--no-lock").stdout)
            except ResticError as exc:
                message = str(exc).lower()
                if exc.reason is Reason.MISSING or "not found" in message or (
                    "does not exist" in message  # S3's NoSuchKey: the lock file is gone
                ):
                    continue  # released between the listing and the read
                raise
            when = parse_time(data["time"])
            found.append(
                Lock(
                    id=lock_id,
                    time=when,
                    exclusive=bool(data.get("exclusive")),
                    hostname=data.get("hostname", ""),
                    pid=int(data.get("pid", 0)),
                    age_seconds=max((now - when).total_seconds(), 0.0),
                )
            )
        return found

    def unlock(self, *, remove_all: bool = False) -> None:
        """Remove stale locks (restic's rule: older than 30 min, or a dead process on the
        same host); every lock with ``remove_all``."""
        self._run("unlock", *(["--remove-all"] if remove_all else []))

    # -- content checksums ----------------------------------------------------------------
    def checksums(self, root: str) -> dict[str, str]:
        """SHA-256 of every regular file under ``root`` on the executor's host (see
        :func:`checksums_on`)."""
        return checksums_on(self.executor, root, timeout=self.timeout)


def checksums_on(executor: Executor, root: str, *, timeout: float) -> dict[str, str]:
    """SHA-256 of every regular file under ``root`` on ``executor``'s host, by path
    relative to ``root`` (``sha256sum`` run there, no secret in its environment; no
    repository needed)."""
    done = executor.run(
        ["find", root, "-type", "f", "-exec", "sha256sum", "--", "{}", "+"],
        env={},
        timeout=timeout,
    )
    if done.returncode != 0:
        raise ResticError(
            f"checksums of {root} on {executor.where}: {done.stderr.strip()[-500:]}"
        )
    return parse_sha256sum(done.stdout, root)


class _Throttle:
    """Calls ``callback`` with a fraction at most every :data:`_PROGRESS_INTERVAL`."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.last = 0.0

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if self.callback is not None and now - self.last >= _PROGRESS_INTERVAL:
            self.last = now
            self.callback(min(max(fraction, 0.0), 1.0))


def _message(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _first_json(text: str) -> Any:
    """The first JSON document in ``text`` (``forget --prune`` appends prune's text)."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(("[", "{")):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None
