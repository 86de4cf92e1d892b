"""A plan's recovery host as a driver: the SSH key resolved in the hosting plane's secrets
when an exercise step needs it (never kept, logged or returned)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from controlplane.secrets import SecretError
from hosting.drivers import DriverError
from hosting.drivers.recovery import RecoveryHost
from hosting.drivers.restic_executors import Executor, LocalExecutor, SshExecutor
from hosting.secrets import SECRETS

#: Where exercises restore on a host reached over SSH, unless the plan says otherwise.
REMOTE_WORKDIR = "/var/tmp/socle-pra"  # noqa: S108  (on the recovery host)
LOCAL_ADDRESS = "127.0.0.1"


def _executor(access: Mapping[str, Any], data_dir: Path) -> Executor:
    if access.get("kind") != "ssh":
        return LocalExecutor()
    where = f"{access['user']}@{access['host']}:{access.get('port', 22)}"
    try:
        key = SECRETS.resolve(access["key_ref"], data_dir)
    except SecretError as exc:
        raise DriverError(f"recovery host {where}: {exc}") from None
    return SshExecutor(host=access["host"], port=int(access.get("port", 22)),
                       user=access["user"], private_key=key, host_key=access["host_key"])


def host_of(spec: Mapping[str, Any] | None, data_dir: Path, *, plan_id: int) -> RecoveryHost:
    """The recovery host ``spec`` (a plan's ``recovery_host``) names; :class:`DriverError`
    when the plan names none or its key reference cannot be resolved."""
    if not spec:
        raise DriverError(f"PRA {plan_id} names no recovery host: nothing to restore onto "
                          f"(socle hosting dr recovery-host {plan_id} ..., or PUT "
                          f"/api/v1/hosting/dr-plans/{plan_id}/recovery-host)")
    access = spec.get("access") or {"kind": "local"}
    remote = access.get("kind") == "ssh"
    workdir = spec.get("workdir") or (REMOTE_WORKDIR if remote else str(
        (data_dir / "pra").resolve()))
    return RecoveryHost(_executor(access, data_dir),
                        address=access["host"] if remote else LOCAL_ADDRESS,
                        workdir=workdir, service_port=int(spec.get("service_port", 0)))
