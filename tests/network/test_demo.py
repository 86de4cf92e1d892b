"""``socle demo`` on the simulated routers: a region that plans and applies at once, however
Socle is started (no environment of `make run`: it set the SNMPv3 references and user
before, and `socle demo` + `socle serve` alone failed at apply), secrets in 0600 files."""

from __future__ import annotations

import json
import stat

import pytest
from typer.testing import CliRunner

from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from controlplane.settings import Settings
from network.config import reconcile as _network_reconcile  # noqa: F401  (registers the reconciler)
from network.demo import (
    AGENTS_STATE,
    PASSWORD_FILE,
    REFLECTOR_STATE,
    ROUTERS_STATE,
    snmp_key_files,
)
from network.inventory.models import Device
from network.polling.models import CircuitMonitor, DeviceMonitor
from network.sim.routers import SimulatedRouters
from network.sim.snmp_agents import SimulatedAgents

runner = CliRunner()


def test_demo_registers_the_simulated_routers_and_they_plan(
    settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "not running" in runner.invoke(cli, ["demo"]).stdout
    for name in ("SOCLE_NETWORK_SNMP_AUTH_REF", "SOCLE_NETWORK_SNMP_PRIV_REF",
                 "SOCLE_NETWORK_SNMP_USER"):
        monkeypatch.delenv(name, raising=False)  # the defaults, as a bare `socle serve` has
    key_files = snmp_key_files(Settings())
    assert key_files == ("snmp-auth.key", "snmp-priv.key")
    with SimulatedRouters(2, ["cisco_ios", "juniper_junos"]) as routers, \
            SimulatedAgents(2, 8, processes=1) as agents:
        state = settings.data_dir / ROUTERS_STATE
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps(routers.state()))
        (settings.data_dir / AGENTS_STATE).write_text(json.dumps(agents.state()))
        (settings.data_dir / REFLECTOR_STATE).write_text(json.dumps({"host": "127.0.0.1",
                                                                     "port": 40999}))
        seeded = runner.invoke(cli, ["demo"])
        assert seeded.exit_code == 0, seeded.output
        assert "2 CE router(s)" in seeded.stdout
        assert "2 router(s) polled" in seeded.stdout
        with database.session(scope=Scope.unrestricted(), write=False) as db:
            polled = {m.device.hostname: m.snmp_port for m in db.query(DeviceMonitor)}
            watched = {(m.circuit.ref, m.if_index, m.probe_port) for m in db.query(CircuitMonitor)}
        assert polled == {a.name: a.port for a in agents.agents}
        assert watched == {("DEMO-MPLS-001", 1, 40999), ("DEMO-MPLS-002", 1, 40999)}
        v3 = agents.state()["agents"][0]["v3"]
        keys = settings.data_dir / "secrets" / "network"
        assert [(keys / n).read_text().strip() for n in key_files] == [
            v3["auth_key"], v3["priv_key"]]  # the poller's key files hold the agents' keys
        assert "already there" in runner.invoke(cli, ["demo"]).stdout
        for name in (PASSWORD_FILE, *key_files):
            assert stat.S_IMODE((keys / name).stat().st_mode) == 0o600
            assert not (settings.data_dir / name).exists()
        with database.session(scope=Scope.unrestricted(), write=False) as db:
            ces = sorted(d.hostname for d in db.query(Device).filter(Device.role == "CE"))
        assert ces == ["ce01", "ce02"]
        planned = runner.invoke(cli, ["network", "plan", "--json"])
        assert planned.exit_code == 0, planned.output
        plan = json.loads(planned.stdout)
        assert plan["state"] == "planned"
        assert sorted(c["device"] for c in plan["changes"]) == ["ce01", "ce02"]
        assert routers.password not in planned.stdout
        applied = runner.invoke(cli, ["network", "apply", str(plan["plan_id"]), "--here"])
        assert applied.exit_code == 0, applied.output  # SNMPv3 keys resolved on the way
        assert "succeeded" in applied.output, applied.output
