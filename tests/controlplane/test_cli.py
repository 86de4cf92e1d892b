"""The CLI: schema, tenants, tokens, demo; errors are clear and exit codes meaningful."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from controlplane.cli.main import app as cli
from controlplane.db import Database
from controlplane.db.migrate import head_revision
from controlplane.settings import Settings

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def test_db_upgrade_creates_a_fresh_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new/socle.db"
    env = {**os.environ, "SOCLE_DATABASE_URL": url,
           "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "controlplane.cli"]
    upgraded = subprocess.run([*command, "db", "upgrade"], env=env, capture_output=True,
                              text=True, check=False)
    assert upgraded.returncode == 0, upgraded.stderr
    status = subprocess.run([*command, "db", "status"], env=env, capture_output=True, text=True,
                            check=False)
    assert status.returncode == 0 and f"current: {head_revision(url)}" in status.stdout
    again = subprocess.run([*command, "db", "upgrade"], env=env, capture_output=True, text=True,
                           check=False)
    assert again.returncode == 0
    # the database holds every tenant's records: this user's only, whatever the umask
    for made in (tmp_path / "new").glob("socle.db*"):
        assert stat.S_IMODE(made.stat().st_mode) == 0o600, made


def test_an_existing_world_readable_sqlite_database_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "socle.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    database = Database(f"sqlite:///{path}")
    with database.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        wal = path.with_name("socle.db-wal")
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600  # SQLite gives it the file's mode
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    database.engine.dispose()


def test_tenant_lifecycle_and_json(database: Database) -> None:
    created = runner.invoke(cli, ["tenant", "create", "--finess", "750712184", "--name",
                                  "CH Test", "--kind", "ES", "--json"])
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["department"] == "75"
    listed = json.loads(runner.invoke(cli, ["tenant", "list", "--json"]).stdout)
    assert [t["finess"] for t in listed] == ["750712184"]
    updated = runner.invoke(cli, ["tenant", "update", "750712184", "--inactive", "--json"])
    assert json.loads(updated.stdout)["active"] is False
    table = runner.invoke(cli, ["tenant", "show", "750712184"])
    assert "CH Test" in table.stdout


def test_errors_are_clear_with_exit_codes(database: Database) -> None:
    bad = runner.invoke(cli, ["tenant", "create", "--finess", "750712185", "--name", "x",
                              "--kind", "ES"])
    assert bad.exit_code == 2 and "finess: the check key" in bad.stderr
    assert runner.invoke(cli, ["tenant", "show", "750712184"]).exit_code == 3
    args = ["tenant", "create", "--finess", "750712184", "--name", "x", "--kind", "ES"]
    assert runner.invoke(cli, args).exit_code == 0
    duplicate = runner.invoke(cli, args)
    assert duplicate.exit_code == 4 and "already registered" in duplicate.stderr
    no_tenant = runner.invoke(cli, ["token", "create", "--role", "establishment"])
    assert no_tenant.exit_code == 2 and "tenant" in no_tenant.stderr


def test_token_is_shown_once_and_listed_without_secret(database: Database) -> None:
    created = runner.invoke(cli, ["token", "create", "--role", "rssi", "--name", "rssi-ara"])
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("socle_") and len(secret) > 40
    listing = runner.invoke(cli, ["token", "list", "--json"]).stdout
    assert secret not in listing and '"name": "rssi-ara"' in listing


def test_demo_is_idempotent_and_keeps_tokens_private(database: Database,
                                                     settings: Settings) -> None:
    first = runner.invoke(cli, ["demo"])
    assert first.exit_code == 0 and "12 tenant(s) created" in first.stdout
    tokens_file = settings.data_dir / "demo-tokens.json"
    assert stat.S_IMODE(tokens_file.stat().st_mode) == 0o600
    assert set(json.loads(tokens_file.read_text())) == {
        "gcs-operator", "network-engineer", "rssi", "establishment", "auditor"}
    second = runner.invoke(cli, ["demo"])
    assert "0 tenant(s) created" in second.stdout
    assert len(json.loads(runner.invoke(cli, ["tenant", "list", "--json"]).stdout)) == 12
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0
