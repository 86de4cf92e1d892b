"""``provider-down``: with one HDS provider's S3 endpoint refusing connections, a two-copy
backup fails loudly for that copy (a failed run saying unreachable, an alert, the copy's
RPO late in time) and succeeds for the other; once the provider is back, the next run
converges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database
from controlplane.faults import FaultBook
from controlplane.settings import Settings
from hosting.sim.providers import SimulatedProviders
from tests.conftest import TokenFactory
from tests.faults.conftest import sim_fault
from tests.hosting.conftest import providers  # noqa: F401  (the simulated providers)
from tests.hosting.test_backups import HOST, backed, run  # noqa: F401


def test_a_provider_down_fails_its_copy_and_the_next_run_converges(
    backed: dict[str, Any], providers: SimulatedProviders, client: TestClient,  # noqa: F811
    auth: TokenFactory, database: Database, settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert providers.faults is not None
    providers.faults.path = FaultBook.of_region(Path(settings.data_dir)).path
    monkeypatch.setattr("hosting.backup.flows.RESTIC_TIMEOUT", 4.0)  # restic retries ~10 s
    own = auth(Role.ESTABLISHMENT, backed["tenant"])
    backup = f"{HOST}/subscriptions/{backed['subscription']['id']}/backup"

    fault = sim_fault("inject", "provider-down", "hds-a", "--s3", "--json")
    assert fault["selectors"] == {"endpoint": [providers.s3[0].url.removeprefix("http://")]}
    done = run(client, database, auth, client.post(backup, headers=own).json()["job"]["id"])
    assert done["state"] == "failed" and "copy 0 (unreachable)" in done["error"]
    runs = client.get(f"{HOST}/backups/runs", headers=own).json()["items"]
    assert sorted((r["state"], r["reason"]) for r in runs) == [
        ("failed", "unreachable"), ("succeeded", None)]
    copies = {c["copy_index"]: c for c in
              client.get(f"{HOST}/backups", headers=own).json()["items"]}
    assert copies[0]["last_snapshot_id"] is None and copies[0]["rpo_status"] == "late"
    assert copies[1]["rpo_status"] == "ok"
    alerts = client.get(f"{HOST}/backups/alerts", headers=own).json()["items"]
    assert [(a["kind"], a["repository_id"]) for a in alerts] == [
        ("failed", copies[0]["repository_id"])]

    sim_fault("clear", fault["id"])
    again = run(client, database, auth, client.post(backup, headers=own).json()["job"]["id"])
    assert again["state"] == "succeeded", again.get("error")
    copies = {c["copy_index"]: c for c in
              client.get(f"{HOST}/backups", headers=own).json()["items"]}
    assert {c["rpo_status"] for c in copies.values()} == {"ok"}
    assert all(c["last_snapshot_id"] for c in copies.values())
    assert client.get(f"{HOST}/backups/alerts", headers=own).json()["items"] == []
