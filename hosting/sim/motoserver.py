"""One moto server process standing for an EC2-compatible compute API."""

from __future__ import annotations

import sys
from pathlib import Path

import boto3
from botocore.config import Config

from hosting.sim.endpoints import Endpoint, new_credentials
from hosting.sim.ports import LOOPBACK, free_ports
from hosting.sim.process import ManagedProcess

_PROBE_CONFIG = Config(connect_timeout=1, read_timeout=30, retries={"max_attempts": 1})


class MotoServer:
    """``python -m moto.server`` on loopback, in a process of its own.

    moto accepts any credentials; the generated ones are handed out all the same so
    that clients are configured as for a real provider.
    """

    def __init__(self, name: str, root: Path, *, region: str) -> None:
        """Start the server under ``root/name`` (returns before it is ready)."""
        home = root / name
        home.mkdir(parents=True, exist_ok=True)
        (port,) = free_ports(1)
        access_key, secret_key = new_credentials()
        self.endpoint = Endpoint(
            name=name,
            kind="ec2",
            url=f"http://{LOOPBACK}:{port}",
            region=region,
            access_key=access_key,
            secret_key=secret_key,
        )
        argv = [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(port)]
        self.process = ManagedProcess(name, argv, cwd=home, log_path=home / "moto.log")

    def wait_ready(self, *, deadline: float) -> None:
        """Block until EC2 answers in the endpoint's region (the first call loads the
        region's EC2 backend, ~2 s, so it is paid here rather than in the first test)."""
        client = boto3.client("ec2", config=_PROBE_CONFIG, **self.endpoint.boto3_kwargs())
        self.process.wait_ready(client.describe_availability_zones, deadline=deadline)

    def stop(self, *, deadline: float) -> None:
        """Wait for exit until ``deadline`` (after ``process.terminate()``), then kill."""
        self.process.reap(deadline=deadline)
