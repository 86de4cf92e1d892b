"""``socle demo`` on the simulated routers: a region that plans at once, secrets in 0600 files."""

from __future__ import annotations

import json
import stat

import pytest
from typer.testing import CliRunner

from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from controlplane.settings import Settings
from network import reconcile as _network_reconcile  # noqa: F401  (registers the reconciler)
from network.demo import PASSWORD_FILE, ROUTERS_STATE, SNMP_KEY_FILES
from network.models import Device
from network.sim.routers import SimulatedRouters

runner = CliRunner()


def test_demo_registers_the_simulated_routers_and_they_plan(
    settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "not running" in runner.invoke(cli, ["demo"]).stdout
    monkeypatch.setenv("SOCLE_NETWORK_SNMP_AUTH_REF", f"file:{SNMP_KEY_FILES[0]}")
    monkeypatch.setenv("SOCLE_NETWORK_SNMP_PRIV_REF", f"file:{SNMP_KEY_FILES[1]}")
    with SimulatedRouters(2, ["cisco_ios", "juniper_junos"]) as routers:
        state = settings.data_dir / ROUTERS_STATE
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps(routers.state()))
        seeded = runner.invoke(cli, ["demo"])
        assert seeded.exit_code == 0, seeded.output
        assert "2 CE router(s)" in seeded.stdout
        assert "already there" in runner.invoke(cli, ["demo"]).stdout
        for name in (PASSWORD_FILE, *SNMP_KEY_FILES):
            assert stat.S_IMODE((settings.data_dir / name).stat().st_mode) == 0o600
        with database.session(scope=Scope.unrestricted(), write=False) as db:
            ces = sorted(d.hostname for d in db.query(Device).filter(Device.role == "CE"))
        assert ces == ["ce01", "ce02"]
        planned = runner.invoke(cli, ["network", "plan", "--json"])
        assert planned.exit_code == 0, planned.output
        plan = json.loads(planned.stdout)
        assert plan["state"] == "planned"
        assert sorted(c["device"] for c in plan["changes"]) == ["ce01", "ce02"]
        assert routers.password not in planned.stdout
