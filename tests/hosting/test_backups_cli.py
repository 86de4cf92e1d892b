"""``socle hosting backup ...``: policy, jobs queued, supervision listings, exit codes.

No provider is contacted: the subscription's bucket sits at a dead endpoint and the
queued jobs are not run (the jobs themselves are tested in test_backups.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from typer.testing import CliRunner

from controlplane.cli.main import app as cli
from controlplane.db import Database
from tests.conftest import TenantFactory
from tests.hosting.authz_cases_backups import backup_subscription
from tests.hosting.factories import HostingFactory

runner = CliRunner()


def socle(*args: str, code: int = 0) -> Any:
    """Run ``socle hosting backup ARGS``; the parsed JSON output when ``--json`` is given."""
    result = runner.invoke(cli, ["hosting", "backup", *args])
    assert result.exit_code == code, (args, result.output)
    return json.loads(result.stdout) if "--json" in args and code == 0 else result


def test_backup_commands(database: Database, make_tenant: TenantFactory) -> None:
    tenant = make_tenant()
    world = SimpleNamespace(hosting=HostingFactory(database), database=database)
    sub = str(backup_subscription(world, tenant, policy=False))  # type: ignore[arg-type]
    policy = socle("policy", sub, "--source", "/srv/dpi", "--restore-test-days", "30", "--json")
    assert policy["source_path"] == "/srv/dpi" and policy["restore_test_days"] == 30
    assert policy["executor"] == {"kind": "local"}
    assert policy["password_ref"] == f"file:restic-{tenant.finess.lower()}.password"
    assert [r["copy_index"] for r in policy["repositories"]] == [0]
    socle("policy", sub, "--source", "relative/path", code=2)
    socle("policy", "999999", "--source", "/srv", code=3)

    queued = socle("run", sub, "--json")
    assert queued["kind"] == "hosting.backup" and queued["state"] == "queued"
    socle("restore-test", sub, code=2)  # nothing recorded to restore yet
    (line,) = socle("list", "--json")
    assert line["rpo_status"] == "late" and line["last_snapshot_id"] is None
    tick = socle("schedule", "--json")
    assert tick["queued"]["hosting.backup"] == []  # one is already queued
    assert len(tick["late_alerts"]) == 1
    (alert,) = socle("alerts", "--json")
    assert alert["kind"] == "late" and "never" in alert["message"]
    assert socle("runs", "--json") == [] and socle("restore-tests", "--json") == []
    assert "late" in socle("list").output
    # --here runs the queue in this process: the backup queued above first (its source is
    # missing: a failed run, reported), then the retention (no repository initialised yet)
    finished = socle("retention", sub, "--here", "--json")
    assert (finished["kind"], finished["state"]) == ("hosting.backup-retention", "succeeded")
    ran = socle("runs", "--json")
    assert [(r["kind"], r["state"], r["reason"]) for r in ran] == [("backup", "failed", "failed")]
    assert {a["kind"] for a in socle("alerts", "--json")} == {"late", "failed"}

    asked = socle("check", sub, "--percent", "100", "--json")
    assert (asked["kind"], asked["state"]) == ("hosting.backup-check", "queued")
    socle("check", sub, "--percent", "0", code=2)
    # nothing initialised to check: the check succeeds on no copy, the copy stays unchecked
    checked = socle("check", sub, "--here", "--json")
    assert (checked["state"], checked["result"]) == (
        "succeeded", {"checked": 0, "subset_percent": 5.0})
    assert socle("checks", "--json") == []
    (line,) = socle("list", "--json")
    assert line["last_check_state"] is None and line["last_check_damaged_packs"] == []
