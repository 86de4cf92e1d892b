"""Foreground launcher of the simulated region's probe reflector (``socle sim up``):
``python -m network.sim.reflector --state-file PATH [--delay-ms D] [--loss L] [--ports N]``
runs a :class:`network.probes.reflector.Reflector` until SIGTERM or SIGINT, published on N
ports (one per site's circuit: relays the region's faults act on, ``circuit-down``
silencing one, ``slow-link`` delaying it), the ports in the state file."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from controlplane.faults import FAULTS_FILE, FaultBook
from controlplane.relay import UdpRelay
from controlplane.simulation import write_state
from network.probes.reflector import Impairment, Reflector
from network.sim.fault_kinds import BEHAVIOURS


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m network.sim.reflector",
                                     description="Run a UDP probe reflector.")
    parser.add_argument("--state-file", type=Path, required=True, help="JSON endpoint file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="default: any free port")
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--loss", type=float, default=0.0, help="ratio 0..1")
    parser.add_argument("--ports", type=int, default=8, help="published ports (1..64)")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    impairment = Impairment(args.delay_ms, args.loss)
    faults = FaultBook(args.state_file.parent / FAULTS_FILE)
    async with Reflector(args.host, 0, impairment) as reflector:
        relays = [UdpRelay(reflector.host, reflector.port, faults=faults,
                           behaviours=BEHAVIOURS, host=args.host,
                           port=args.port + index if args.port else None).start()
                  for index in range(args.ports)]
        ports = [relay.port for relay in relays]
        write_state(args.state_file, {
            "pid": os.getpid(), "host": reflector.host, "port": ports[0], "ports": ports,
            "delay_ms": impairment.delay_ms, "loss": impairment.loss})
        try:
            await stop.wait()
        finally:
            args.state_file.unlink(missing_ok=True)
            for relay in relays:
                relay.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the reflector in the foreground until SIGTERM or SIGINT."""
    args = parse_args(argv)
    try:
        Impairment(args.delay_ms, args.loss)
        if not 1 <= args.ports <= 64:
            raise ValueError("--ports must be within 1..64")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
