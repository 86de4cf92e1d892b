"""``corrupt-pack``: one restic pack of an establishment's copy damaged at its provider, as
bit rot leaves it. The scheduled integrity check fails naming the pack and the copy (job,
checks, backup listing, alert, /metrics and the alert firing in a real Prometheus,
supervision evidence with its rule), and a restore test of that copy fails loudly
(corrupt); once the fault is cleared (by ``clear``, or ``socle sim down``), the original
bytes are back, the next check passes and the alerts resolve. A check of a copy whose
provider is down fails as unreachable, never ok."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controlplane import jobs
from controlplane.api.app import create_app
from controlplane.auth import Role
from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope, utcnow
from controlplane.evidence import collect
from controlplane.faults import FaultBook
from controlplane.models import Job
from controlplane.settings import Settings, get_settings
from hosting.backup.flows import CHECK_JOB
from hosting.sim.providers import SimulatedProviders
from tests.conftest import TokenFactory
from tests.faults.conftest import runner, sim_fault
from tests.hosting.conftest import providers  # noqa: F401  (the simulated providers)
from tests.hosting.test_backups import HOST, backed, run, s3  # noqa: F401
from tests.hosting.test_metrics import labels, of, scrape
from tests.support.live_server import serve
from tests.support.prometheus import WAIT_SECONDS, alerts, firing, running_prometheus

SUPERVISION = "hosting.backup_supervision"


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


def stored_intact(providers: SimulatedProviders, fault: dict[str, Any],  # noqa: F811
                  copy_index: int) -> bool:
    """Whether the pack the fault names hashes to its name at the copy's provider."""
    (bucket,), (key,) = fault["selectors"]["bucket"], fault["selectors"]["pack"]
    body = s3(providers.s3[copy_index]).get_object(Bucket=bucket, Key=key)["Body"].read()
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
    assert not stored_intact(providers, fault, 1)  # on the copy under Object Lock too
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
    down = runner.invoke(cli, ["sim", "down"])  # clears faults before stopping simulators
    assert down.exit_code == 0 and "1 fault(s) cleared" in down.output, down.output
    assert stored_intact(providers, fault, 1) and not kept.exists()
    assert sim_fault("list", "--json") == []
    again = restore_test(client, database, auth, backed_up, copy_index=1)
    assert again["state"] == "succeeded", again.get("error")


def copies(client: TestClient, backed_up: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The backup listing's lines, by copy index."""
    lines = client.get(f"{HOST}/backups", headers=backed_up["own"]).json()["items"]
    return {line["copy_index"]: line for line in lines}


def open_alerts(client: TestClient, backed_up: dict[str, Any]) -> list[tuple[str, int]]:
    """The open alerts as (kind, copy's repository)."""
    alerts = client.get(f"{HOST}/backups/alerts", headers=backed_up["own"]).json()["items"]
    return sorted((a["kind"], a["repository_id"]) for a in alerts)


def supervision(database: Database, backed_up: dict[str, Any]) -> Any:
    """The supervision evidence the SSI tracker reads now."""
    with database.session(scope=Scope.unrestricted()) as db:
        return collect(db, tenant_id=backed_up["tenant"].id, keys=(SUPERVISION,),
                       now=utcnow())[SUPERVISION]


def integrity_alerts(prometheus: str, finess: str) -> list[dict[str, Any]]:
    """The ``BackupIntegrityCheckFailed`` alerts Prometheus holds for the establishment."""
    return [a for a in alerts(prometheus)
            if a["labels"]["alertname"] == "BackupIntegrityCheckFailed"
            and a["labels"]["finess"] == finess]


def test_a_damaged_pack_fails_the_scheduled_check_until_cleared(
    backed_up: dict[str, Any], providers: SimulatedProviders, client: TestClient,  # noqa: F811
    auth: TokenFactory, database: Database, settings: Settings,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    with serve(create_app(settings, database), name="socle-api") as api, \
            running_prometheus(api, tmp_path, data_dir=settings.data_dir) as prometheus:
        damaged_then_cleared(backed_up, providers, client, auth, database, monkeypatch,
                             prometheus)


def damaged_then_cleared(
    backed_up: dict[str, Any], providers: SimulatedProviders, client: TestClient,  # noqa: F811
    auth: TokenFactory, database: Database, monkeypatch: pytest.MonkeyPatch,
    prometheus: str,
) -> None:
    """The scenario, with a real Prometheus scraping the live API at ``prometheus``."""
    monkeypatch.setenv("SOCLE_HOSTING_BACKUP_CHECK_PERCENT", "100")  # every pack read
    get_settings.cache_clear()
    own, operator = backed_up["own"], auth(Role.GCS_OPERATOR)
    finess, sub_id = backed_up["tenant"].finess, backed_up["subscription"]["id"]
    fault = sim_fault("inject", "corrupt-pack", "hds-a", "--tenant", finess, "--json")
    pack = fault["selectors"]["pack"][0].rpartition("/")[2]
    assert not stored_intact(providers, fault, 0)
    repository = copies(client, backed_up)[0]["repository_id"]

    # the scheduler's tick queues the check (never checked), which fails naming the pack
    tick = client.post(f"{HOST}/backups/schedule", headers=operator).json()
    (job_id,) = tick["queued"].pop(CHECK_JOB)
    with database.transaction(scope=Scope.unrestricted()) as db:  # only the check here
        for queued in tick["queued"].values():
            for other in queued:
                jobs.request_cancel(db, db.get_one(Job, other), actor="tests")
    failed = run(client, database, auth, job_id)
    assert failed["state"] == "failed"
    assert f"copy 0 (corrupt: pack {pack[:12]})" in failed["error"]
    assert "copy 1" not in failed["error"]
    checks = client.get(f"{HOST}/backups/checks", headers=own).json()["items"]
    assert sorted((c["repository_id"] == repository, c["state"], c["reason"],
                   c["subset_percent"], c["damaged_packs"]) for c in checks) == [
        (False, "succeeded", None, 100.0, []), (True, "failed", "corrupt", 100.0, [pack])]
    line = copies(client, backed_up)
    assert (line[0]["last_check_state"], line[0]["last_check_reason"],
            line[0]["last_check_percent"], line[0]["last_check_damaged_packs"]) == (
        "failed", "corrupt", 100.0, [pack])
    assert "repository contains errors" in line[0]["last_check_error"]
    assert line[0]["last_check_at"] is not None and line[0]["rpo_status"] == "ok"
    assert (line[1]["last_check_state"], line[1]["last_check_error"]) == ("succeeded", None)
    assert open_alerts(client, backed_up) == [("check-failed", repository)]
    (alert,) = client.get(f"{HOST}/backups/alerts", headers=own).json()["items"]
    bucket = fault["selectors"]["bucket"][0]
    assert pack in alert["message"] and bucket in alert["message"]

    samples = scrape(database)
    copy = {i: labels(finess=finess, subscription=str(sub_id), copy=str(i), provider=name)
            for i, name in enumerate(("hds-a", "hds-b"))}
    assert of(samples, "socle_backup_check_last_ok") == {copy[0]: 0.0, copy[1]: 1.0}
    assert of(samples, "socle_backup_check_damaged_packs") == {copy[0]: 1.0, copy[1]: 0.0}
    assert set(of(samples, "socle_backup_check_last_timestamp_seconds")) == set(copy.values())
    evidence = supervision(database, backed_up)
    assert evidence.value is False and evidence.data["check_failed"] == [repository]
    assert "vérification d'intégrité" in evidence.rule and "1 copie(s) dont" in evidence.detail
    alert = firing(prometheus, "BackupIntegrityCheckFailed", finess=finess, copy="0")
    assert (alert["labels"]["provider"], alert["labels"]["severity"]) == ("hds-a", "critical")
    assert [a["labels"]["copy"] for a in integrity_alerts(prometheus, finess)] == ["0"]

    # a restore test of that copy fails loudly too
    restored = restore_test(client, database, auth, backed_up, copy_index=0)
    assert restored["state"] == "failed"
    test = client.get(f"{HOST}/backups/restore-tests", headers=own).json()["items"][0]
    assert (test["state"], test["reason"]) == ("failed", "corrupt")

    # cleared: the next check (asked for by the establishment) passes, alerts resolve
    sim_fault("clear", fault["id"])
    assert stored_intact(providers, fault, 0)
    asked = client.post(f"{HOST}/subscriptions/{sub_id}/check", headers=own, json={})
    assert asked.status_code == 202, asked.text
    passed = run(client, database, auth, asked.json()["job"]["id"])
    assert passed["state"] == "succeeded", passed.get("error")
    assert passed["result"] == {"checked": 2, "subset_percent": 100.0}
    assert {c["last_check_state"] for c in copies(client, backed_up).values()} == {"succeeded"}
    assert open_alerts(client, backed_up) == [("restore-failed", repository)]
    assert restore_test(client, database, auth, backed_up, copy_index=0)["state"] == "succeeded"
    assert open_alerts(client, backed_up) == []
    assert of(scrape(database), "socle_backup_check_last_ok") == {copy[0]: 1.0, copy[1]: 1.0}
    assert supervision(database, backed_up).value is True
    deadline = time.monotonic() + WAIT_SECONDS
    while integrity_alerts(prometheus, finess):  # resolved at the next evaluation
        assert time.monotonic() < deadline, "BackupIntegrityCheckFailed never resolved"
        time.sleep(0.5)


def test_a_check_of_a_copy_whose_provider_is_down_fails_as_unreachable(
    backed_up: dict[str, Any], providers: SimulatedProviders, client: TestClient,  # noqa: F811
    auth: TokenFactory, database: Database, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("hosting.backup.flows.RESTIC_TIMEOUT", 4.0)  # restic retries ~10 s
    own, sub_id = backed_up["own"], backed_up["subscription"]["id"]
    fault = sim_fault("inject", "provider-down", "hds-a", "--s3", "--json")
    asked = client.post(f"{HOST}/subscriptions/{sub_id}/check", headers=own,
                        json={"subset_percent": 10})
    done = run(client, database, auth, asked.json()["job"]["id"])
    assert done["state"] == "failed" and "copy 0 (unreachable)" in done["error"]
    line = copies(client, backed_up)
    assert (line[0]["last_check_state"], line[0]["last_check_reason"],
            line[0]["last_check_percent"]) == ("failed", "unreachable", 10.0)
    assert line[1]["last_check_state"] == "succeeded"
    assert open_alerts(client, backed_up) == [("check-failed", line[0]["repository_id"])]
    finess = backed_up["tenant"].finess
    assert of(scrape(database), "socle_backup_check_last_ok")[labels(
        finess=finess, subscription=str(sub_id), copy="0", provider="hds-a")] == 0.0
    assert supervision(database, backed_up).value is False

    sim_fault("clear", fault["id"])
    again = client.post(f"{HOST}/subscriptions/{sub_id}/check", headers=own)
    assert run(client, database, auth, again.json()["job"]["id"])["state"] == "succeeded"
    assert open_alerts(client, backed_up) == []


def test_checks_read_every_pack_group_in_turn_and_a_damaged_group_until_it_passes(
    backed_up: dict[str, Any], providers: SimulatedProviders, client: TestClient,  # noqa: F811
    auth: TokenFactory, database: Database,
) -> None:
    own, sub_id = backed_up["own"], backed_up["subscription"]["id"]
    fault = sim_fault("inject", "corrupt-pack", "hds-a", "--tenant", backed_up["tenant"].finess,
                      "--json")
    pack = fault["selectors"]["pack"][0].rpartition("/")[2]

    def check() -> tuple[str, str, list[str]]:
        """A check reading half of the packs: copy 0's group, outcome, damaged packs."""
        asked = client.post(f"{HOST}/subscriptions/{sub_id}/check", headers=own,
                            json={"subset_percent": 50})
        assert asked.status_code == 202, asked.text
        run(client, database, auth, asked.json()["job"]["id"])
        line = copies(client, backed_up)[0]
        assert line["last_check_percent"] == 50.0
        return (line["last_check_group"], line["last_check_state"],
                line["last_check_damaged_packs"])

    # two groups: the damage is found within two checks, whichever group holds the pack
    first = check()
    found = first if first[1] == "failed" else check()
    assert first[0] == "1/2" and found[1:] == ("failed", [pack])
    group = found[0]
    if first[1] == "succeeded":
        assert group == "2/2"
    # a failed group is read again (the other one, clean, would say nothing of the damage)
    assert check() == (group, "failed", [pack])
    assert open_alerts(client, backed_up) == [("check-failed", copies(client, backed_up)[0]
                                                ["repository_id"])]

    sim_fault("clear", fault["id"])
    assert check() == (group, "succeeded", [])  # the damaged group passes once repaired
    assert open_alerts(client, backed_up) == []
    other = "2/2" if group == "1/2" else "1/2"
    assert check() == (other, "succeeded", [])  # then the rotation goes on
    groups = [c["subset_group"] for c in client.get(f"{HOST}/backups/checks",
                                                    headers=own).json()["items"]
              if c["repository_id"] == copies(client, backed_up)[1]["repository_id"]]
    assert groups[::-1][:3] == ["1/2", "2/2", "1/2"]  # the clean copy: strictly in turn
