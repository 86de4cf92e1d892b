"""What restic's output means: the records its ``--json`` output parses into, and
the :class:`ResticError` (with its :class:`Reason`) a failed command becomes.

:class:`Snapshot`, :class:`BackupSummary`, :class:`RepositoryKey`, :class:`Lock`,
:class:`ForgetResult` are parsed from restic; :class:`RetentionRule` is the ``--keep-*``
options given to it; :func:`parse_sha256sum` reads ``sha256sum``'s output. The failure
types live here, below both the executors and the command wrapper, which raise them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """Why a restic command failed, as the backup plane reports it."""

    LOCKED = "locked"
    UNREACHABLE = "unreachable"
    FULL = "full"
    MISSING = "missing"
    DENIED = "denied"
    CORRUPT = "corrupt"
    FAILED = "failed"


class ResticError(RuntimeError):
    """A restic command failed; ``reason`` classifies it, the message is secret-free;
    ``packs`` are the pack files restic named as damaged (:func:`damaged_packs`)."""

    def __init__(self, message: str, *, reason: Reason = Reason.FAILED,
                 packs: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.reason = reason
        self.packs = packs


_PACK_NAMED = re.compile(r"\bpack\b.*?\b([0-9a-f]{64})\b", re.IGNORECASE)


def damaged_packs(output: str) -> tuple[str, ...]:
    """The pack ids restic names in error lines (``Pack ID does not match, want ID``,
    ``pack ID contains 1 errors``...), once each, in the order it names them."""
    found = (match.group(1).lower() for line in output.splitlines()
             if (match := _PACK_NAMED.search(line)))
    return tuple(dict.fromkeys(found))


def parse_time(value: str) -> datetime:
    """restic's RFC 3339 time (nanoseconds, ``Z`` or offset) as an aware UTC datetime."""
    head, dot, rest = value.partition(".")
    if dot:
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits) :]
        value = f"{head}.{digits[:6]}{zone}"
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True)
class Snapshot:
    """One snapshot as ``restic snapshots --json`` describes it."""

    id: str
    short_id: str
    time: datetime
    paths: tuple[str, ...]
    hostname: str
    tags: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        """Parse one element of ``restic snapshots --json``."""
        return cls(
            id=data["id"],
            short_id=data.get("short_id", data["id"][:8]),
            time=parse_time(data["time"]),
            paths=tuple(data.get("paths") or ()),
            hostname=data.get("hostname", ""),
            tags=tuple(data.get("tags") or ()),
        )


@dataclass(frozen=True)
class BackupSummary:
    """The summary line of ``restic backup --json``."""

    snapshot_id: str
    files: int
    bytes: int
    data_added: int
    duration_seconds: float
    incomplete: bool = False  # exit 3: some source files could not be read

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, incomplete: bool = False) -> BackupSummary:
        """Parse the ``summary`` message."""
        return cls(
            snapshot_id=data["snapshot_id"],
            files=int(data.get("total_files_processed", 0)),
            bytes=int(data.get("total_bytes_processed", 0)),
            data_added=int(data.get("data_added", 0)),
            duration_seconds=float(data.get("total_duration", 0.0)),
            incomplete=incomplete,
        )


@dataclass(frozen=True)
class RepositoryKey:
    """One key (password slot) of a repository, as ``restic key list --json`` shows it;
    ``current`` is the key the command's own password opened."""

    id: str
    current: bool
    user: str
    host: str
    created: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RepositoryKey:
        """Parse one element of ``restic key list --json``."""
        return cls(id=data["id"], current=bool(data.get("current")),
                   user=data.get("userName", ""), host=data.get("hostName", ""),
                   created=str(data.get("created", "")))


@dataclass(frozen=True)
class Lock:
    """A repository lock (``restic cat lock``) and its age when observed."""

    id: str
    time: datetime
    exclusive: bool
    hostname: str
    pid: int
    age_seconds: float


@dataclass(frozen=True)
class ForgetResult:
    """What ``forget`` kept and removed (snapshot ids)."""

    kept: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class RetentionRule:
    """restic ``--keep-*`` options; a rule keeping nothing is refused."""

    last: int = 0
    daily: int = 0
    weekly: int = 0
    monthly: int = 0
    within: str | None = None  # e.g. "30d"

    def options(self) -> list[str]:
        """The ``--keep-*`` arguments."""
        options = [
            f"--keep-{name}={count}"
            for name, count in (
                ("last", self.last),
                ("daily", self.daily),
                ("weekly", self.weekly),
                ("monthly", self.monthly),
            )
            if count > 0
        ]
        if self.within:
            options.append(f"--keep-within={self.within}")
        if not options:
            raise ValueError("a retention rule must keep something")
        return options


def parse_sha256sum(output: str, root: str) -> dict[str, str]:
    """``sha256sum`` lines (escaped names start with a backslash) as {relative path: hex}."""
    prefix = root.rstrip("/") + "/"
    sums = {}
    for line in output.splitlines():
        if not line:
            continue
        escaped = line.startswith("\\")
        if escaped:
            line = line[1:]
        digest, _, name = line.partition("  ")
        if escaped:
            name = name.replace("\\n", "\n").replace("\\\\", "\\")
        sums[name.removeprefix(prefix)] = digest
    return sums

