"""Faults of the simulated region: what ``socle sim fault inject`` asks the simulators to
do wrong, kept in one file beside their state (``SOCLE_DATA_DIR/sim/faults.json``).

A fault has a kind (``bgp-down``, ``provider-down``...), the target an operator named
(a device, a provider), its options, and *selectors*: what the simulators match on,
resolved once from Socle's inventory by the plane that owns the kind (an SSH endpoint
``127.0.0.1:2201``, an S3 endpoint...). A simulator only ever reads the file, and asks
:meth:`FaultBook.holding` whether a fault of a kind holds one of its endpoints now. The
file outlives Socle's processes (a restarted API or worker sees the same faults); the
simulators forget it at ``socle sim down``, which clears it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
import secrets
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from controlplane.db import utcnow
from controlplane.errors import Conflict, InvalidInput, NotFound
from controlplane.simulation import sim_dir, write_state

FAULTS_FILE = "faults.json"
FAULTS_FOLDER = "faults.d"
_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``4m``, ``2h``, ``1d`` as a duration (422 on ``--for`` otherwise)."""
    match = _DURATION.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise InvalidInput.on("for", f"{text!r}: write a whole number and s, m, h or d, "
                                     "e.g. 90s or 4m")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class Fault:
    """One injected fault and what it holds."""

    id: str
    kind: str
    target: str
    options: Mapping[str, Any]
    selectors: Mapping[str, Sequence[str]]
    started_at: datetime
    ends_at: datetime | None = None

    def active_at(self, now: datetime) -> bool:
        """True from its start until its end (no end: until cleared)."""
        return self.started_at <= now and (self.ends_at is None or now < self.ends_at)

    def holds(self, selector: str, value: str) -> bool:
        """True when the fault names ``value`` among its ``selector`` values."""
        return value in self.selectors.get(selector, ())

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {"id": self.id, "kind": self.kind, "target": self.target,
                "options": dict(self.options),
                "selectors": {k: list(v) for k, v in self.selectors.items()},
                "started_at": self.started_at.isoformat(),
                "ends_at": self.ends_at.isoformat() if self.ends_at else None}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Fault:
        """A fault from its stored form."""
        return cls(id=raw["id"], kind=raw["kind"], target=raw["target"],
                   options=dict(raw.get("options", {})),
                   selectors={k: tuple(v) for k, v in raw.get("selectors", {}).items()},
                   started_at=datetime.fromisoformat(raw["started_at"]),
                   ends_at=datetime.fromisoformat(raw["ends_at"]) if raw.get("ends_at") else None)


FaultAction = Callable[[Session, "Fault", Path], None]


@dataclass(frozen=True)
class FaultKind:
    """A kind of fault a plane's simulators honour: ``resolve(db, target, options)`` turns
    the target an operator names into selectors (422 when the target is unknown);
    ``options`` are the names it accepts.

    Most faults change how an endpoint answers, and the simulators honour them by reading
    the file. A fault that damages stored data instead (a restic pack) does it once with
    ``strike(db, fault, folder)`` when injected and undoes it with ``heal`` when cleared;
    ``folder`` is the fault's own (:meth:`FaultBook.folder`), where ``strike`` keeps what
    ``heal`` needs. Such damage does not end by itself: ``timed`` False refuses ``--for``.
    """

    name: str
    description: str
    resolve: Callable[[Session, str, Mapping[str, Any]], Mapping[str, Sequence[str]]]
    options: tuple[str, ...] = ()
    strike: FaultAction | None = None
    heal: FaultAction | None = None
    timed: bool = True


@dataclass
class FaultBook:
    """The faults file of one simulated region. Writers serialise on a lock file; readers
    (the simulators, many times a second) re-read only when the file changed."""

    path: Path
    _cache: tuple[float, list[Fault]] | None = field(default=None, repr=False)

    @classmethod
    def of_region(cls, data_dir: Path) -> FaultBook:
        """The faults of the simulated region kept under ``data_dir``."""
        return cls(sim_dir(data_dir) / FAULTS_FILE)

    def _read(self) -> list[Fault]:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return []
        if self._cache is not None and self._cache[0] == mtime:
            return self._cache[1]
        try:
            found = [Fault.from_json(raw) for raw in json.loads(self.path.read_text())["faults"]]
        except (FileNotFoundError, ValueError, KeyError):
            return self._cache[1] if self._cache else []
        self._cache = (mtime, found)
        return found

    @contextlib.contextmanager
    def _locked(self) -> Iterator[list[Fault]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._cache = None
            faults = self._read()
            yield faults
            write_state(self.path, {"faults": [fault.to_json() for fault in faults]})
            self._cache = None

    def faults(self, now: datetime | None = None) -> list[Fault]:
        """The faults holding now (ended ones are not listed)."""
        moment = now or utcnow()
        return [fault for fault in self._read() if fault.active_at(moment)]

    def holding(self, kind: str, selector: str, value: str,
                now: datetime | None = None) -> Fault | None:
        """The fault of ``kind`` holding ``value`` (a simulator's endpoint) now, if any."""
        for fault in self.faults(now):
            if fault.kind == kind and fault.holds(selector, value):
                return fault
        return None

    def inject(self, kind: str, target: str, *, options: Mapping[str, Any],
               selectors: Mapping[str, Sequence[str]], lasting: timedelta | None = None,
               now: datetime | None = None) -> Fault:
        """Record a fault starting now (for ``lasting``, or until cleared)."""
        start = now or utcnow()
        fault = Fault(id=secrets.token_hex(4), kind=kind, target=target, options=dict(options),
                      selectors={k: tuple(v) for k, v in selectors.items()}, started_at=start,
                      ends_at=start + lasting if lasting else None)
        with self._locked() as faults:
            faults[:] = [f for f in faults if f.active_at(start)] + [fault]
        return fault

    def folder(self, fault: Fault) -> Path:
        """Where a fault that damages data keeps what undoing it needs (owner only)."""
        folder = self.path.parent / FAULTS_FOLDER / fault.id
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for level in (folder.parent, folder):
            level.mkdir(mode=0o700, exist_ok=True)
        return folder

    def clear(self, fault_id: str | None = None, *,
              undo: Mapping[str, Callable[[Fault], None]] | None = None) -> list[Fault]:
        """Remove one fault (404 if unknown), or every fault; what was removed.

        A fault whose kind has an ``undo`` (a damaged pack written back) is undone after
        the others are gone (so a provider held down by one is back for it); one that
        fails to undo stays recorded, and a 409 names it once the others are cleared."""
        undo = undo or {}
        with self._locked() as faults:
            chosen = [f for f in faults if fault_id is None or f.id == fault_id]
            if fault_id is not None and not chosen:
                raise NotFound(detail=f"no fault {fault_id}", code="CP-0601")
            faults[:] = [f for f in faults if f not in chosen or f.kind in undo]
        stuck: list[str] = []
        for fault in [f for f in chosen if f.kind in undo]:
            try:
                undo[fault.kind](fault)
            except Exception as exc:  # reported below, once the others are cleared
                stuck.append(f"{fault.id} ({fault.kind} on {fault.target}): {exc}")
                chosen.remove(fault)
        with self._locked() as faults:
            faults[:] = [f for f in faults if f not in chosen]
        for fault in chosen:
            shutil.rmtree(self.path.parent / FAULTS_FOLDER / fault.id, ignore_errors=True)
        if stuck:
            raise Conflict(detail="not undone, still held: " + "; ".join(stuck), code="CP-0602")
        return chosen
