"""The frameworks library through the API and the CLI: shipped and operator versions,
loaded at start (a bad operator file stops the start, naming the file and line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from controlplane.api.app import create_app
from controlplane.auth import Role
from controlplane.cli.main import app as cli
from controlplane.db import Database
from controlplane.settings import Settings
from ssi.library import FrameworkLibraryError, load_library
from tests.conftest import TokenFactory
from tests.ssi.fixtures_assess import mini_flash  # noqa: F401  (fixture)
from tests.ssi.samples import CHECKLIST, line_of, replace_once, write

SHIPPED = {framework.id for framework in load_library()}  # every shipped file
SHIPPED_VERSIONS = len(load_library())


def test_list_and_read_frameworks(
    mini_flash: Path, client: TestClient, auth: TokenFactory  # noqa: F811
) -> None:
    headers = auth(Role.RSSI)
    listing = client.get("/api/v1/ssi/frameworks", headers=headers).json()
    assert {item["id"] for item in listing["items"]} == SHIPPED | {"mini-flash"}
    assert {"hn-prerequis", "care-d2", "hds", "pgssi-s-pssi-skeleton"} <= SHIPPED
    assert listing["total"] == SHIPPED_VERSIONS + 1
    flash = next(i for i in listing["items"] if i["id"] == "hygiene-checklist")
    assert (flash["kind"], flash["items"], flash["chapters"], flash["latest"]) == (
        "checklist", 42, 10, True)
    checklists = client.get("/api/v1/ssi/frameworks?kind=checklist", headers=headers).json()
    assert [i["id"] for i in checklists["items"]] == ["hygiene-checklist", "mini-flash"]
    page = client.get("/api/v1/ssi/frameworks?limit=2&offset=1", headers=headers).json()
    assert (len(page["items"]), page["total"]) == (2, SHIPPED_VERSIONS + 1)

    mini = client.get("/api/v1/ssi/frameworks/mini-flash/1.0", headers=headers).json()
    assert mini["versions"] == ["1.0"]
    assert [q["id"] for q in mini["content"]["chapters"][1]["items"]] == ["B1", "B2", "B3"]
    assert mini["content"]["scale"]["not_applicable"] is True
    latest = client.get("/api/v1/ssi/frameworks/pgssi-s-pssi-skeleton", headers=headers).json()
    assert latest["version"] == "1.0" and latest["unverified"] >= 21

    missing = client.get("/api/v1/ssi/frameworks/nope", headers=headers)
    assert missing.status_code == 404 and "SSI-0111" in missing.text
    assert client.get("/api/v1/ssi/frameworks/mini-flash/9", headers=headers).status_code == 404
    establishment = client.get("/api/v1/ssi/frameworks", headers=auth(Role.AUDITOR))
    assert establishment.status_code == 200
    assert client.get("/api/v1/ssi/frameworks").status_code == 401


def test_bad_operator_file_stops_the_start(settings: Settings, database: Database) -> None:
    text = replace_once(CHECKLIST, "weight: 3", "weight: -3")
    path = write(settings.data_dir / "frameworks", "mini-flash/1.0.yaml", text)
    with pytest.raises(FrameworkLibraryError) as caught, TestClient(create_app(settings, database)):
        pass
    assert f"{path.resolve()}:{line_of(text, 'weight: -3')}" in str(caught.value)
    # the CLI check names the same file and line, and exits 2
    result = CliRunner().invoke(cli, ["ssi", "frameworks", "check"])
    assert result.exit_code == 2
    assert f"mini-flash/1.0.yaml:{line_of(text, 'weight: -3')}" in result.output.replace("\n", "")


def test_frameworks_from_the_cli(mini_flash: Path, database: Database) -> None:  # noqa: F811
    runner = CliRunner()
    listed = runner.invoke(cli, ["ssi", "frameworks", "list", "--json", "--kind", "checklist"])
    assert listed.exit_code == 0, listed.output
    assert [f["id"] for f in json.loads(listed.stdout)] == ["hygiene-checklist", "mini-flash"]
    shown = runner.invoke(cli, ["ssi", "frameworks", "show", "mini-flash", "--json"])
    assert json.loads(shown.stdout)["content"]["maturity"][1]["min_score"] == 50
    assert runner.invoke(cli, ["ssi", "frameworks", "show", "nope"]).exit_code == 3
    checked = runner.invoke(cli, ["ssi", "frameworks", "check"])
    assert checked.exit_code == 0
    assert f"{SHIPPED_VERSIONS + 1} framework versions valid" in checked.output
