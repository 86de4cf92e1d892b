"""``socle hosting ...``: the same services from the command line, JSON output, exit codes."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from controlplane.cli.main import app as cli
from controlplane.db import Database
from tests.conftest import TenantFactory

runner = CliRunner()


def socle(*args: str, code: int = 0) -> Any:
    """Run ``socle hosting ARGS``; the parsed JSON output when ``--json`` is given."""
    result = runner.invoke(cli, ["hosting", *args])
    assert result.exit_code == code, (args, result.output)
    return json.loads(result.stdout) if "--json" in args and code == 0 else result


def test_catalogue_request_and_decision_from_the_cli(
    database: Database, make_tenant: TenantFactory
) -> None:
    tenant = make_tenant()
    for name, city in (("hds-paris", "Paris"), ("hds-lyon", "Lyon")):
        socle("provider", "create", "--name", name, "--certification-body", "AFNOR",
              "--expires", "2030-06-30", "--country", "fr", "--location", city,
              "--s3-endpoint", "http://127.0.0.1:9",
              "--credential-ref", "env:SOCLE_SECRET_HOSTING_HDS_KEYS",
              "--capacity-gb", "5000")
    providers = socle("provider", "list", "--json")
    assert [p["name"] for p in providers] == ["hds-lyon", "hds-paris"]
    assert all(p["in_eea"] for p in providers)
    offer = socle("offer", "create", "--code", "backup-gold", "--name", "Backup gold",
                  "--kind", "backup", "--monthly-price-cents", "5000",
                  "--parameter", "size_gb=10:2000:100:3:GB", "--frequency", "daily",
                  "--retention-days", "30", "--rpo-hours", "24", "--immutable", "--copies", "2",
                  "--json")
    assert offer["parameters"]["size_gb"]["unit_price_cents"] == 3
    request = socle("request", "create", "--offer", "backup-gold", "--tenant", tenant.finess,
                    "--param", "size_gb=200", "--json")
    assert request["monthly_cost_cents"] == 5000 + 600
    assert request["plan"]["placement"]["chosen"] == ["hds-lyon", "hds-paris"]
    socle("request", "create", "--offer", "backup-gold", "--tenant", tenant.finess,
          "--param", "size_gb=5", code=2)
    socle("request", "show", "999", code=3)
    approved = socle("request", "approve", str(request["id"]), "--json")
    assert approved["state"] == "approved" and approved["job_id"]
    socle("request", "reject", str(request["id"]), "--reason", "late", code=4)
    quota = socle("quota", "show", tenant.finess, "--json")
    assert quota["used_monthly_cost_cents"] == 5600
    assert socle("quota", "set", tenant.finess, "--max-monthly-cost-cents", "100000",
                 "--json")["max_monthly_cost_cents"] == 100000
    assert socle("request", "list", "--state", "approved", "--json")[0]["id"] == request["id"]
    assert socle("subscription", "list", "--json") == []
