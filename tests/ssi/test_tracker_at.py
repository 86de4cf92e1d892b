"""``?at=`` of the tracker and the heatmap must say its time zone: a naive time is refused
(422 naming ``at``, telling to add Z or an offset), an offset is read in UTC, so hosting
evidence dated in UTC is judged at the right instant. The CLI's ``--at`` (no zone) is UTC."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from controlplane.auth import Role
from controlplane.cli.main import app as cli
from controlplane.db import Database
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.test_evidence_as_of import T, timeline

SSI = "/api/v1/ssi"
HOUR = timedelta(hours=1)


def test_at_needs_a_time_zone_and_an_offset_is_read_in_utc(
    client: TestClient, auth: TokenFactory, database: Database, make_tenant: TenantFactory,
    tmp_path: Path,
) -> None:
    tenant = make_tenant()
    facts = timeline(database, tenant, tmp_path)  # its restore test finished at T (UTC)
    own = auth(Role.ESTABLISHMENT, tenant)
    tracker = f"{SSI}/tenants/{tenant.finess}/indicators"
    heatmap = f"{SSI}/regional/heatmap"

    for url in (tracker, heatmap):
        naive = client.get(url, headers=own, params={"framework": "care-d2",
                                                     "at": "2026-06-01T13:00:00"})
        assert naive.status_code == 422, naive.text
        assert [e["field"] for e in naive.json()["errors"]] == ["at"]
        assert "add a time zone: Z" in naive.json()["detail"]

    def d2o4(at: str) -> dict[str, str]:
        answer = client.get(tracker, headers=own, params={"framework": "care-d2", "at": at})
        assert answer.status_code == 200, answer.text
        (item,) = [i for i in answer.json()["items"] if i["id"] == "D2.O4"]
        return {"status": item["status"], "source": item["automatic"][0]["source"]}

    # 13:00 in Paris (+02:00) is 11:00 UTC: an hour before the restore test finished
    assert d2o4("2026-06-01T13:00:00+02:00")["status"] == "unknown"
    after = d2o4("2026-06-01T15:00:00+02:00")  # 13:00 UTC, an hour after
    assert after == {"status": "met", "source": f"hosting.restore_test#{facts.restore_test}"}
    assert d2o4((T + HOUR).strftime("%Y-%m-%dT%H:%M:%SZ")) == after

    def cell(at: str) -> tuple[str, str]:
        answer = client.get(heatmap, headers=own, params={"framework": "care-d2", "at": at})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        column = [c["id"] for c in body["columns"]].index("D2.O4")
        (row,) = body["items"]
        return body["at"], row["cells"][column]

    assert cell("2026-06-01T13:00:00+02:00") == ("2026-06-01T11:00:00Z", "unknown")
    assert cell("2026-06-01T15:00:00+02:00") == ("2026-06-01T13:00:00Z", "met")


def test_cli_at_is_read_in_utc(
    client: TestClient, database: Database, make_tenant: TenantFactory, tmp_path: Path,
) -> None:
    tenant = make_tenant()
    timeline(database, tenant, tmp_path)  # its restore test finished at T (UTC)
    runner = CliRunner()

    def d2o4(at: datetime) -> str:
        result = runner.invoke(cli, ["ssi", "indicators", "show", tenant.finess, "--framework",
                                     "care-d2", "--at", at.strftime("%Y-%m-%dT%H:%M:%S"),
                                     "--json"])
        assert result.exit_code == 0, result.output
        (item,) = [i for i in json.loads(result.output)["items"] if i["id"] == "D2.O4"]
        return str(item["status"])

    assert (d2o4(T - HOUR), d2o4(T + HOUR)) == ("unknown", "met")
