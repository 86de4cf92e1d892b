"""Foreground launcher: run a simulated region until SIGTERM/SIGINT, endpoints in a file.

Usage: python -m network.sim.routers --count N --platforms cisco_ios,juniper_junos
       --state-file PATH
The state file (JSON: pid, devices with host/port/platform/device_type/credentials) is
written atomically, mode 0600, once every device answers SSH, and removed on exit.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from controlplane.faults import FAULTS_FILE, FaultBook
from controlplane.simulation import write_state
from network.sim.routers import PLATFORMS, SimulatedRouters


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m network.sim.routers", description="Run simulated CE routers."
    )
    parser.add_argument("--count", type=int, default=2, help="number of devices")
    parser.add_argument(
        "--platforms",
        default="cisco_ios",
        help=f"comma-separated, used in turn; among {', '.join(PLATFORMS)}",
    )
    parser.add_argument("--state-file", type=Path, required=True, help="JSON endpoints file")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default=None, help="default: random")
    parser.add_argument("--name-prefix", default="ce")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the devices in the foreground until SIGTERM or SIGINT; return the exit code."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    # FakeNOS logs every client disconnect at ERROR level.
    logging.getLogger("fakenos").setLevel(logging.CRITICAL)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        routers = SimulatedRouters(
            args.count,
            [p.strip() for p in args.platforms.split(",") if p.strip()],
            username=args.username,
            password=args.password,
            name_prefix=args.name_prefix,
            faults=FaultBook(args.state_file.parent / FAULTS_FILE),
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with routers:
        write_state(args.state_file, {"pid": os.getpid(), **routers.state()})
        try:
            while not stop.wait(0.5):
                pass
        finally:
            args.state_file.unlink(missing_ok=True)
    return 0
