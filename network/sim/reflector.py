"""Foreground launcher of the simulated region's probe reflector (``socle sim up``):
``python -m network.sim.reflector --state-file PATH [--delay-ms D] [--loss L]`` runs a
:class:`network.probes.reflector.Reflector` until SIGTERM or SIGINT, its endpoint in the
state file."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from controlplane.simulation import write_state
from network.probes.reflector import Impairment, Reflector


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m network.sim.reflector",
                                     description="Run a UDP probe reflector.")
    parser.add_argument("--state-file", type=Path, required=True, help="JSON endpoint file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="default: any free port")
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--loss", type=float, default=0.0, help="ratio 0..1")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    impairment = Impairment(args.delay_ms, args.loss)
    async with Reflector(args.host, args.port, impairment) as reflector:
        write_state(args.state_file, {
            "pid": os.getpid(), "host": reflector.host, "port": reflector.port,
            "delay_ms": impairment.delay_ms, "loss": impairment.loss})
        try:
            await stop.wait()
        finally:
            args.state_file.unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the reflector in the foreground until SIGTERM or SIGINT."""
    args = parse_args(argv)
    try:
        Impairment(args.delay_ms, args.loss)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
