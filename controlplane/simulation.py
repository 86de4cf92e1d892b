"""The simulated region: background processes standing for real peers on loopback.

Each plane declares its simulators (routers over SSH, SNMP agents, S3 and EC2
endpoints...) as :class:`Simulator` entries. ``socle sim up`` starts each as a
detached process that writes a JSON state file once it is ready (endpoints, ports,
credentials for the demo); ``socle sim down`` stops them; ``socle sim status`` reports.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Simulator:
    """A simulator process: ``python -m module --state-file F *args``.

    ``{sim_dir}`` in an argument is replaced by the simulators' folder.
    """

    name: str
    module: str
    args: tuple[str, ...] = ()
    description: str = ""
    ready_timeout: float = 60.0


@dataclass(frozen=True)
class SimulatorStatus:
    """One simulator's process and what its state file says."""

    name: str
    pid: int | None
    running: bool
    state: dict[str, Any] | None


class SimulationError(RuntimeError):
    """A simulator did not start, with the reason and where its log is."""


def sim_dir(data_dir: Path) -> Path:
    """Where simulator state files, logs and pids live (absolute: simulators may chdir)."""
    return data_dir.resolve() / "sim"


def _pid_file(data_dir: Path, name: str) -> Path:
    return sim_dir(data_dir) / f"{name}.pid"


def state_file(data_dir: Path, name: str) -> Path:
    """The JSON file a simulator writes once ready."""
    return sim_dir(data_dir) / f"{name}.json"


def write_state(path: Path, state: Mapping[str, Any]) -> None:
    """Write a simulator's state as JSON, atomically (temp file, fsync, rename) and mode
    0600: it holds the demo's credentials."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_state(data_dir: Path, name: str) -> dict[str, Any] | None:
    """What the simulator ``name`` wrote once ready, or None when it does not run."""
    path = state_file(data_dir, name)
    return json.loads(path.read_text()) if path.exists() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_pid(data_dir: Path, name: str) -> int | None:
    path = _pid_file(data_dir, name)
    return int(path.read_text()) if path.exists() else None


def start(simulator: Simulator, data_dir: Path) -> dict[str, Any]:
    """Start one simulator (if not already running) and return its state once ready."""
    folder = sim_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    state = state_file(data_dir, simulator.name)
    pid = _read_pid(data_dir, simulator.name)
    if pid is not None and _alive(pid) and state.exists():
        return json.loads(state.read_text())
    state.unlink(missing_ok=True)
    log_path = folder / f"{simulator.name}.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", simulator.module, "--state-file", str(state),
             *(arg.format(sim_dir=folder) for arg in simulator.args)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _pid_file(data_dir, simulator.name).write_text(str(process.pid))
    deadline = time.monotonic() + simulator.ready_timeout
    while time.monotonic() < deadline:
        if state.exists():
            return json.loads(state.read_text())
        if process.poll() is not None:
            raise SimulationError(
                f"simulator {simulator.name} exited with {process.returncode}; see {log_path}"
            )
        time.sleep(0.1)
    stop(simulator, data_dir)
    raise SimulationError(f"simulator {simulator.name} not ready in time; see {log_path}")


def stop(simulator: Simulator, data_dir: Path, *, timeout: float = 15.0) -> bool:
    """Stop one simulator (SIGTERM to its process group, SIGKILL after ``timeout``)."""
    pid = _read_pid(data_dir, simulator.name)
    stopped = False
    if pid is not None and _alive(pid):
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.1)
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)
        stopped = True
    _pid_file(data_dir, simulator.name).unlink(missing_ok=True)
    state_file(data_dir, simulator.name).unlink(missing_ok=True)
    return stopped


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def status(simulators: Sequence[Simulator], data_dir: Path) -> list[SimulatorStatus]:
    """Each simulator's pid, liveness and state."""
    rows = []
    for simulator in simulators:
        pid = _read_pid(data_dir, simulator.name)
        state = state_file(data_dir, simulator.name)
        rows.append(
            SimulatorStatus(
                name=simulator.name,
                pid=pid,
                running=pid is not None and _alive(pid),
                state=json.loads(state.read_text()) if state.exists() else None,
            )
        )
    return rows
