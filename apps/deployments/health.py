"""Health checks of an instance, run by the control plane: a TCP connect, an HTTP GET
answering 200, or a command exiting 0; retried until healthy or out of time."""

from __future__ import annotations

import shlex
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apps.catalogue.service import HealthCheck


@dataclass(frozen=True)
class Health:
    """The outcome of a check: healthy or not, and what was seen."""

    healthy: bool
    detail: str


def check_once(
    check: HealthCheck, address: str, ports: Mapping[str, int], config: Mapping[str, Any]
) -> Health:
    """One attempt of ``check`` against an instance at ``address`` with these ports."""
    if check.type == "tcp":
        port = ports[check.port or ""]
        try:
            with socket.create_connection((address, port), timeout=2):
                return Health(True, f"tcp {address}:{port} accepts connections")
        except OSError as exc:
            return Health(False, f"tcp {address}:{port}: {exc.strerror or exc}")
    if check.type == "http":
        url = f"http://{address}:{ports[check.port or '']}{check.path}"
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return Health(answer.status == 200, f"GET {url}: {answer.status}")
        except urllib.error.HTTPError as exc:
            return Health(False, f"GET {url}: {exc.code} {exc.reason}")
        except (urllib.error.URLError, OSError) as exc:
            return Health(False, f"GET {url}: {getattr(exc, 'reason', exc)}")
    values = {"address": address, **{f"port_{k}": v for k, v in ports.items()},
              **{k: v for k, v in config.items() if isinstance(v, str | int)}}
    command = (check.command or "").format(**values)
    done = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=10,
                          check=False)
    detail = (done.stderr or done.stdout).strip().splitlines()
    return Health(done.returncode == 0,
                  f"{command.split()[0]}: exit {done.returncode}" + (f" ({detail[0]})" if detail
                                                                     and done.returncode else ""))


def wait_healthy(
    check: HealthCheck,
    address: str,
    ports: Mapping[str, int],
    config: Mapping[str, Any],
    *,
    within: float,
    interval: float = 0.3,
) -> Health:
    """Check until healthy or ``within`` seconds passed; the last outcome."""
    deadline = time.monotonic() + within
    while True:
        outcome = check_once(check, address, ports, config)
        if outcome.healthy or time.monotonic() >= deadline:
            return outcome
        time.sleep(interval)
