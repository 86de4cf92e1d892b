"""Test hosts for the apps plane: "local connection" targets with their own prefix and
loopback ports, and the cleanup that stops whatever the playbooks started there
(HTTP services, slapd, Postfix instances)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from pathlib import Path
from typing import Any

from apps.catalogue.service import Catalog


def free_port() -> int:
    """A loopback TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def local_target(name: str, root: Path, catalog: Catalog, **extra: Any) -> dict[str, Any]:
    """A target body: local connection, prefix under ``root``, a free port per service port."""
    return {
        "name": name,
        "address": "127.0.0.1",
        "connection": "local",
        "prefix": str(root / name),
        "python": "/usr/bin/python3",
        "ports": {s.name: {p: free_port() for p in s.ports} for s in catalog.services.values()},
        **extra,
    }


def stop_services(prefix: Path) -> None:
    """Stop every process the playbooks started under ``prefix`` (by their pid files)."""
    if not prefix.is_dir():
        return
    for home in prefix.iterdir():
        if (home / "etc" / "main.cf").exists():
            subprocess.run(["postfix", "-c", str(home / "etc"), "stop"], capture_output=True,
                           check=False)
        for pidfile in (home / "run" / "pid", home / "run" / "slapd.pid"):
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
