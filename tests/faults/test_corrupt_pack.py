"""``corrupt-pack``: one restic pack of an establishment's copy damaged at its provider, as
bit rot leaves it. A restore test of that copy fails loudly (corrupt); once the fault is
cleared, the original bytes are back and the copy restores again."""

from __future__ import annotations

import hashlib
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
from tests.hosting.test_backups import HOST, backed, run, s3  # noqa: F401


@pytest.fixture
def backed_up(backed: dict[str, Any], providers: SimulatedProviders,  # noqa: F811
              client: TestClient, auth: TokenFactory, database: Database,
              settings: Settings) -> dict[str, Any]:
    """``backed``, backed up once on both copies, its faults read by the providers."""
    assert providers.faults is not None
    providers.faults.path = FaultBook.of_region(Path(settings.data_dir)).path
    own = auth(Role.ESTABLISHMENT, backed["tenant"])
    started = client.post(f"{HOST}/subscriptions/{backed['subscription']['id']}/backup",
                          headers=own)
    done = run(client, database, auth, started.json()["job"]["id"])
    assert done["state"] == "succeeded", done.get("error")
    return backed | {"own": own}


def stored_intact(providers: SimulatedProviders, fault: dict[str, Any]) -> bool:  # noqa: F811
    """Whether the pack the fault names hashes to its name at the provider (copy 1)."""
    (bucket,), (key,) = fault["selectors"]["bucket"], fault["selectors"]["pack"]
    body = s3(providers.s3[1]).get_object(Bucket=bucket, Key=key)["Body"].read()
    return hashlib.sha256(body).hexdigest() == key.rpartition("/")[2]


def restore_test(client: TestClient, database: Database, auth: TokenFactory,
                 backed_up: dict[str, Any], copy_index: int) -> dict[str, Any]:
    """A restore test of one copy, run to its end: the job as the API shows it."""
    started = client.post(f"{HOST}/subscriptions/{backed_up['subscription']['id']}"
                          "/restore-test", headers=backed_up["own"],
                          json={"copy_index": copy_index})
    return run(client, database, auth, started.json()["job"]["id"])


def test_a_damaged_pack_fails_the_restore_test_of_its_copy_until_cleared(
    backed_up: dict[str, Any], providers: SimulatedProviders, client: TestClient,  # noqa: F811
    auth: TokenFactory, database: Database, settings: Settings,
) -> None:
    finess = backed_up["tenant"].finess
    fault = sim_fault("inject", "corrupt-pack", "hds-b", "--tenant", finess, "--json")
    (bucket,), (pack,) = fault["selectors"]["bucket"], fault["selectors"]["pack"]
    copy_1 = next(r for r in backed_up["subscription"]["resources"] if r["key"] == "bucket-1")
    assert bucket == copy_1["external_id"] and pack.startswith("restic/data/")
    assert not stored_intact(providers, fault)  # on the copy under Object Lock too
    kept = FaultBook.of_region(Path(settings.data_dir)).path.parent / "faults.d" / fault["id"]
    assert kept.stat().st_mode & 0o777 == 0o700

    failed = restore_test(client, database, auth, backed_up, copy_index=1)
    assert failed["state"] == "failed" and "restore test" in failed["error"]
    test = client.get(f"{HOST}/backups/restore-tests", headers=backed_up["own"]).json()
    assert (test["items"][0]["state"], test["items"][0]["reason"]) == ("failed", "corrupt")
    assert "ciphertext verification failed" in test["items"][0]["error"]
    assert [a["kind"] for a in client.get(f"{HOST}/backups/alerts",
                                          headers=backed_up["own"]).json()["items"]] \
        == ["restore-failed"]

    assert sim_fault("inject", "corrupt-pack", "hds-b", "--tenant", finess, "--for", "4m",
                     code=2)  # damage does not end by itself
    assert "1 fault(s) cleared" in sim_fault("clear", fault["id"])
    assert stored_intact(providers, fault) and not kept.exists()
    assert sim_fault("list", "--json") == []
    again = restore_test(client, database, auth, backed_up, copy_index=1)
    assert again["state"] == "succeeded", again.get("error")
