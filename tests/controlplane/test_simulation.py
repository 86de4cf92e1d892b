"""``socle sim up|status|down`` with the real simulators, as background processes."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from controlplane.cli.main import app as cli
from controlplane.settings import get_settings

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOCLE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    runner.invoke(cli, ["sim", "down"])
    get_settings.cache_clear()


def _walk(data: object, key: str = "") -> list[tuple[str, object]]:
    """Every (key, leaf value) of a JSON document."""
    if isinstance(data, dict):
        return [pair for k, v in data.items() for pair in _walk(v, str(k))]
    if isinstance(data, list):
        return [pair for item in data for pair in _walk(item, key)]
    return [(key, data)]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_up_status_down(data_dir: Path) -> None:
    started = runner.invoke(cli, ["sim", "up"])
    assert started.exit_code == 0, started.output
    status = runner.invoke(cli, ["sim", "status", "--json"])
    assert status.exit_code == 0
    routers = next(s for s in json.loads(status.stdout) if s["name"] == "network-routers")
    assert routers["running"] is True
    devices = routers["state"]["devices"]
    assert {d["platform"] for d in devices} == {"cisco_ios", "juniper_junos"}
    assert all(d["password"] == "***" for d in devices)
    agents = next(s for s in json.loads(status.stdout) if s["name"] == "network-snmp-agents")
    secrets_shown = [(a["community"], a["v3"]["auth_key"], a["v3"]["priv_key"])
                     for a in agents["state"]["agents"]]
    assert secrets_shown and set(secrets_shown) == {("***", "***", "***")}  # SNMPv3 keys
    providers = next(s for s in json.loads(status.stdout) if s["name"] == "hosting-providers")
    assert "secret_key" in status.stdout and providers["running"] is True
    assert all(value == "***" for key, value in _walk(providers["state"])
               if "secret" in key or key == "access_key")
    for device in devices:
        with socket.create_connection((device["host"], device["port"]), timeout=5) as ssh:
            assert ssh.recv(64).startswith(b"SSH-2.0")
    again = runner.invoke(cli, ["sim", "up"])  # idempotent: keeps the running ones
    assert again.exit_code == 0
    assert json.loads(runner.invoke(cli, ["sim", "status", "--json"]).stdout)[0]["pid"] == \
        routers["pid"]

    stopped = runner.invoke(cli, ["sim", "down"])
    assert stopped.exit_code == 0 and "stopped network-routers" in stopped.stdout
    assert not _pid_alive(routers["pid"])
    assert runner.invoke(cli, ["sim", "status"]).exit_code == 1


def test_simulator_folder_is_absolute_even_for_a_relative_data_dir() -> None:
    """Simulators may change directory (SeaweedFS does): their paths must not be relative."""
    from controlplane.simulation import sim_dir

    assert sim_dir(Path("var")).is_absolute()
    assert sim_dir(Path("var")) == Path("var").resolve() / "sim"
