"""``socle network ...``: the same services from the command line, JSON listings, exit codes."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from controlplane.cli.main import app as cli
from controlplane.db import Database
from tests.conftest import TenantFactory

runner = CliRunner()


def socle(*args: str, code: int = 0) -> Any:
    """Run ``socle network ARGS``; the parsed JSON output when ``--json`` is given."""
    result = runner.invoke(cli, ["network", *args])
    assert result.exit_code == code, (args, result.output)
    return json.loads(result.stdout) if "--json" in args else result


def test_inventory_and_plan_from_the_cli(database: Database, make_tenant: TenantFactory) -> None:
    tenant = make_tenant()
    socle("provider", "create", "--name", "THD Région", "--kind", "thd", "--contract-ref", "DSP-1",
          "--contact", "NOC,noc@thd.invalid,+33 4 00 00 00 00")
    site = socle("site", "create", "--tenant", tenant.finess, "--code", "69-chu", "--name", "CHU",
                 "--address", "1 place de l'Hôpital", "--access", "THD", "--json")
    assert site["code"] == "69-CHU" and site["tenant"] == tenant.finess
    socle("device", "create", "--hostname", "ce-chu-1", "--role", "ce", "--platform",
          "arista_eos", "--site", "69-CHU", "--mgmt-address", "10.255.0.9", "--username",
          "socle", "--credential-ref", "file:ce-chu-1.secret")
    socle("circuit", "create", "--ref", "THD-1", "--provider", "THD Région", "--site", "69-chu",
          "--bandwidth", "1000", "--committed", "500", "--a-device", "ce-chu-1",
          "--a-interface", "Ethernet1", "--vlan", "42")
    socle("maintenance", "create", "--circuit", "THD-1", "--starts-at", "2026-12-01T22:00+01:00",
          "--ends-at", "2026-12-02T02:00+01:00", "--reason", "fibre splice")
    socle("pool", "create", "--name", "lan", "--prefix", "10.64.0.0/16", "--role", "site-lan")
    allocated = socle("prefix", "allocate", "--pool", "lan", "--length", "24", "--site",
                      "69-CHU", "--json")
    assert allocated["prefix"] == "10.64.0.0/24" and allocated["tenant"] == tenant.finess
    socle("prefix", "create", "10.64.9.0/24")
    socle("vrf", "create", "--name", "ENRS", "--kind", "shared", "--service", "enrs")
    socle("vrf", "create", "--name", "T1-GFU", "--kind", "tenant", "--tenant", tenant.finess,
          "--service", "gfu")

    assert [p["name"] for p in socle("provider", "list", "--json")] == ["THD Région"]
    assert [s["code"] for s in socle("site", "list", "--tenant", tenant.finess, "--json")] == [
        "69-CHU"]
    assert socle("device", "list", "--json")[0]["credential_ref"] == "file:ce-chu-1.secret"
    assert socle("circuit", "list", "--access", "THD", "--json")[0]["a_interface"] == "Ethernet1"
    assert socle("maintenance", "list", "--circuit", "THD-1", "--json")[0]["reason"] == (
        "fibre splice")
    assert [p["prefix"] for p in socle("prefix", "list", "--pool", "lan", "--json")] == [
        "10.64.0.0/24", "10.64.9.0/24"]
    assert socle("vrf", "show", "T1-GFU", "--json")["import_targets"] == ["65010:101", "65010:1"]
    assert socle("pool", "list", "--json")[0]["prefix"] == "10.64.0.0/16"
    assert "69-CHU" in socle("site", "show", "69-chu").stdout
    assert socle("device", "show", "CE-CHU-1", "--json")["platform"] == "arista_eos"
    assert socle("circuit", "show", "THD-1", "--json")["vlan"] == 42
    assert "every tenant VRF reaches the shared services" in socle("vrf", "check").stdout
    socle("prefix", "release", "10.64.9.0/24")
    assert len(socle("prefix", "list", "--json")) == 1


def test_cli_errors_have_meaningful_exit_codes(database: Database,
                                               make_tenant: TenantFactory) -> None:
    tenant = make_tenant()
    bad = socle("site", "create", "--tenant", tenant.finess, "--code", "x y", "--name", "n",
                "--address", "a", "--access", "MPLS", code=2)
    assert "code:" in bad.stderr
    secret = socle("device", "create", "--hostname", "pe-1", "--role", "PE", "--platform",
                   "juniper_junos", "--mgmt-address", "::1", "--username", "u",
                   "--credential-ref", "s3cret", code=2)
    assert "credential_ref" in secret.stderr and "never the secret" in secret.stderr
    socle("pool", "create", "--name", "lan", "--prefix", "10.64.0.0/16", "--role", "site-lan")
    overlap = socle("pool", "create", "--name", "lan2", "--prefix", "10.64.0.0/20", "--role",
                    "site-lan", code=4)
    assert "NET-0203" in overlap.stderr and "overlaps pool lan" in overlap.stderr
    outside = socle("prefix", "create", "192.168.0.0/24", code=2)
    assert "lies in no pool" in outside.stderr
    assert "no site S-NOPE" in socle("site", "show", "s-nope", code=3).stderr
    socle("prefix", "show", "not-a-prefix", code=3)
    socle("prefix", "allocate", "--pool", "nope", "--length", "24", code=3)
