"""Two simulated S3 providers and one EC2 endpoint on 127.0.0.1, as a context manager or
in the foreground: ``python -m hosting.sim.providers --dir DIR --state-file PATH``."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Protocol
from urllib.parse import urlsplit

from controlplane.faults import FAULTS_FILE, FaultBook
from controlplane.relay import TcpRelay
from hosting.sim.endpoints import Endpoint
from hosting.sim.motoserver import MotoServer
from hosting.sim.process import ManagedProcess, SimulatorError
from hosting.sim.seaweed import SeaweedServer
from hosting.sim.state import write_state_file

__all__ = ["Endpoint", "SimulatedProviders", "SimulatorError", "main"]

S3_NAMES = ("hds-a", "hds-b")
EC2_NAME = "hds-compute"
DEFAULT_REGION = "eu-west-3"
FAULT_KIND = "provider-down"

log = logging.getLogger(__name__)


class _Server(Protocol):
    endpoint: Endpoint
    process: ManagedProcess

    def wait_ready(self, *, deadline: float) -> None: ...

    def stop(self, *, deadline: float) -> None: ...


class SimulatedProviders:
    """Start two SeaweedFS S3 servers (``hds-a``, ``hds-b``) and one moto EC2 server
    (``hds-compute``) under ``base_dir``, on free loopback ports, with fresh keys.
    Each is published behind a :class:`~controlplane.relay.TcpRelay`, which refuses
    connections while a ``provider-down`` fault of ``faults`` holds its endpoint.

    ``stop_timeout`` is the grace between SIGTERM and SIGKILL: weed needs ~17 s to exit
    on its own (its filer waits 15 s for gRPC streams); a kill loses no acknowledged write.
    """

    def __init__(
        self,
        base_dir: Path | str,
        *,
        region: str = DEFAULT_REGION,
        start_timeout: float = 90.0,
        stop_timeout: float = 5.0,
        faults: FaultBook | None = None,
    ) -> None:
        self.base_dir = Path(base_dir)
        self.faults = faults
        self._relays: list[TcpRelay] = []
        self.region = region
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._servers: list[_Server] = []

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """All endpoints as published (their relays), S3 ones first."""
        return tuple(
            dataclasses.replace(server.endpoint, url=f"http://{relay.endpoint}")
            for server, relay in zip(self._servers, self._relays, strict=True)
        )

    @property
    def s3(self) -> tuple[Endpoint, ...]:
        """The S3 endpoints, one per simulated provider."""
        return tuple(ep for ep in self.endpoints if ep.kind == "s3")

    @property
    def ec2(self) -> Endpoint:
        """The EC2 endpoint."""
        return next(ep for ep in self.endpoints if ep.kind == "ec2")

    def start(self) -> tuple[Endpoint, ...]:
        """Start every server and return once each answers; on any failure stop them all."""
        if self._servers:
            raise SimulatorError("already started")
        self.base_dir.mkdir(parents=True, exist_ok=True)
        try:
            for name in S3_NAMES:
                self._servers.append(SeaweedServer(name, self.base_dir, region=self.region))
            self._servers.append(MotoServer(EC2_NAME, self.base_dir, region=self.region))
            deadline = time.monotonic() + self.start_timeout
            for server in self._servers:
                server.wait_ready(deadline=deadline)
            for server in self._servers:
                address = urlsplit(server.endpoint.url)
                self._relays.append(TcpRelay(str(address.hostname), int(address.port or 80),
                                             faults=self.faults,
                                             behaviours={FAULT_KIND: "refuse"}).start())
        except BaseException:
            self.stop()
            raise
        return self.endpoints

    def running(self) -> bool:
        """True if started and no server process has exited."""
        return bool(self._servers) and all(s.process.running() for s in self._servers)

    def stop(self) -> None:
        """SIGTERM every server, wait ``stop_timeout``, SIGKILL what is left. Idempotent."""
        for relay in self._relays:
            relay.stop()
        self._relays.clear()
        for server in self._servers:
            server.process.terminate()
        deadline = time.monotonic() + self.stop_timeout
        for server in self._servers:
            server.stop(deadline=deadline)
        self._servers.clear()

    def __enter__(self) -> SimulatedProviders:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _StopRequested(BaseException):
    """Raised from the SIGTERM/SIGINT handler to unwind into a clean stop."""


def _on_stop_signal(signum: int, _frame: FrameType | None) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)  # a second signal must not interrupt the stop
    raise _StopRequested(signal.Signals(signum).name)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m hosting.sim.providers",
        description="Run simulated HDS providers (2 x S3, 1 x EC2) on loopback until signalled.",
    )
    parser.add_argument("--dir", type=Path, required=True, help="data and log directory")
    parser.add_argument(
        "--state-file", type=Path, required=True, help="JSON endpoints + keys, written when ready"
    )
    parser.add_argument("--region", default=DEFAULT_REGION)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the providers in the foreground; the state file exists only while all are up.

    Returns 0 after SIGTERM/SIGINT, 1 if a server failed to start or died.
    """
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _on_stop_signal)
    state_file: Path = args.state_file.absolute()
    state_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        faults = FaultBook(state_file.parent / FAULTS_FILE)
        with SimulatedProviders(args.dir, region=args.region, faults=faults) as providers:
            write_state_file(state_file, providers.endpoints, pid=os.getpid())
            try:
                for ep in providers.endpoints:
                    log.info("%s (%s) ready at %s", ep.name, ep.kind, ep.url)
                log.info("state written to %s", state_file)
                while providers.running():
                    time.sleep(0.5)
                log.error("a server exited; stopping the others")
                return 1
            finally:
                state_file.unlink(missing_ok=True)
    except _StopRequested as stop:
        log.info("%s received, servers stopped", stop)
        return 0
    except SimulatorError as exc:
        log.error("%s", exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
