"""The state file: which endpoints a running simulator serves, with their keys."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from controlplane.simulation import write_state
from hosting.sim.endpoints import Endpoint

STATE_VERSION = 1


def write_state_file(path: Path, endpoints: Sequence[Endpoint], *, pid: int) -> None:
    """Write the state (endpoints with their keys) atomically, mode 0600."""
    write_state(path, {"version": STATE_VERSION, "pid": pid,
                       "endpoints": [endpoint.to_dict() for endpoint in endpoints]})


def read_state_file(path: Path) -> list[Endpoint]:
    """Endpoints recorded by :func:`write_state_file`."""
    payload = json.loads(path.read_text())
    if payload.get("version") != STATE_VERSION:
        raise ValueError(f"{path}: unsupported state version {payload.get('version')!r}")
    return [Endpoint.from_dict(item) for item in payload["endpoints"]]
