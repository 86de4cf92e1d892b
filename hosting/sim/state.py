"""The state file: which endpoints a running simulator serves, with their keys."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from hosting.sim.endpoints import Endpoint

STATE_VERSION = 1


def write_state_file(path: Path, endpoints: Sequence[Endpoint], *, pid: int) -> None:
    """Write the state atomically (temp file + rename), mode 0600 since it holds keys."""
    payload = {
        "version": STATE_VERSION,
        "pid": pid,
        "endpoints": [endpoint.to_dict() for endpoint in endpoints],
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_state_file(path: Path) -> list[Endpoint]:
    """Endpoints recorded by :func:`write_state_file`."""
    payload = json.loads(path.read_text())
    if payload.get("version") != STATE_VERSION:
        raise ValueError(f"{path}: unsupported state version {payload.get('version')!r}")
    return [Endpoint.from_dict(item) for item in payload["endpoints"]]
