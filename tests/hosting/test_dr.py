"""PRA end to end on the simulated providers: a backed-up subscription gets a plan whose
secondary is chosen by placement (never the primary, preferring the provider holding a
copy); an exercise restores the copy held there with restic, starts an instance on the
EC2 endpoint, probes it, measures RTO/RPO and tears everything down; an exercise that
fails after starting the instance still leaves nothing behind."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.evidence import Evidence, collect
from hosting.dr.service import choose_secondary
from hosting.drivers.dr import DrCompute, Probe
from hosting.sim.providers import SimulatedProviders
from hosting.subscriptions.placement import ProviderFacts
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import HostingFactory, offer_body
from tests.hosting.regions import HOST, register, subscribe
from tests.hosting.test_hosting_cli import socle

IMAGE = "ami-03cf127a"


def facts(name: str, location: str, *, ec2: bool = True, activities: tuple = (1, 2, 3, 4, 5, 6),
          country: str = "FR") -> ProviderFacts:
    return ProviderFacts(name=name, activities=frozenset(activities),
                         certificate_expires_on=date(2030, 1, 1), country=country,
                         location=location, endpoints=frozenset({"s3", "ec2"} if ec2 else {"s3"}),
                         capacity_gb=1000)


def test_secondary_is_never_the_primary_and_prefers_a_copy_holder() -> None:
    providers = [facts("a", "Paris"), facts("b", "Lyon"), facts("c", "Nantes"),
                 facts("d", "Paris"), facts("e", "Lille", ec2=False),
                 facts("f", "Oslo", activities=(1, 2, 6)), facts("g", "Reno", country="US")]
    choice = choose_secondary(providers, primary="a", holders={"a", "c"}, today=date(2026, 11, 28))
    assert choice["chosen"] == "c" and choice["restore_from"] == "c"
    verdicts = {v["provider"]: v for v in choice["verdicts"]}
    assert verdicts["a"]["reasons"][0] == "is the primary provider"
    assert "same location" in verdicts["d"]["reasons"][0]
    assert verdicts["e"]["reasons"] == ["has no EC2 endpoint"]
    assert "activities [3, 5]" in verdicts["f"]["reasons"][0]
    assert "outside the EEA" in verdicts["g"]["reasons"][0]
    # no holder among the eligible: restore from a copy elsewhere, start at the first eligible
    choice = choose_secondary(providers, primary="a", holders={"a", "e"}, today=date(2026, 11, 28))
    assert (choice["chosen"], choice["restore_from"]) == ("b", "e")
    alone = choose_secondary([facts("a", "Paris")], primary="a", holders={"a"},
                             today=date(2026, 11, 28))
    assert alone["chosen"] is None


def evidence(database: Database, tenant: Any) -> dict[str, Evidence]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return collect(db, tenant_id=tenant.id, keys=("hosting.dr_plan", "hosting.dr_exercise"),
                       now=datetime.now(UTC))


def run(client: TestClient, database: Database, auth: TokenFactory, job_id: int) -> dict:
    assert jobs.Worker(database).run_once() == job_id
    return client.get(f"/api/v1/jobs/{job_id}", headers=auth(Role.GCS_OPERATOR)).json()


def work_one(database: Database) -> None:
    """Run the next job once one is queued (a worker beside a waiting CLI)."""
    worker = jobs.Worker(database)
    for _ in range(200):
        if worker.run_once() is not None:
            return
        time.sleep(0.05)


def tagged(ec2: Any, key: str) -> tuple[list[str], list[str]]:
    """Live instances and volumes carrying an exercise key."""
    by_key = [{"Name": "tag:socle:request", "Values": [key]}]
    alive = [{"Name": "instance-state-name", "Values": ["pending", "running", "stopped"]}]
    found = ec2.describe_instances(Filters=by_key + alive)
    instances = [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]]
    return instances, [v["VolumeId"] for v in ec2.describe_volumes(Filters=by_key)["Volumes"]]


@pytest.fixture
def backed_up(
    providers: SimulatedProviders, client: TestClient, auth: TokenFactory,
    make_tenant: TenantFactory, database: Database, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> dict[str, Any]:
    """A two-copy backup tier (hds-a Paris, hds-b Lyon) with one good backup; hds-b and
    hds-c (Marseille, compute only) have the EC2 endpoint."""
    a, b = providers.s3
    register(client, auth, monkeypatch, "hds-a", "Paris", s3=a)
    register(client, auth, monkeypatch, "hds-b", "Lyon", s3=b, ec2=providers.ec2)
    register(client, auth, monkeypatch, "hds-c", "Marseille", ec2=providers.ec2)
    tenant = make_tenant()
    offer = offer_body(1, "backup", copies=2, immutable=True, retention_days=7, rpo_hours=24)
    subscription = subscribe(client, database, auth, tenant, offer, size_gb=50)
    source = tmp_path / "dpi"
    (source / "dossiers").mkdir(parents=True)
    for n in range(12):
        (source / "dossiers" / f"patient-{n:03}.pdf").write_bytes(os.urandom(4096 + n))
    operator = auth(Role.GCS_OPERATOR)
    url = f"{HOST}/subscriptions/{subscription['id']}"
    assert client.put(f"{url}/backup-policy", json={"source_path": str(source)},
                      headers=operator).status_code == 200
    backup = client.post(f"{url}/backup", headers=operator).json()["job"]["id"]
    assert run(client, database, auth, backup)["state"] == "succeeded"
    return {"tenant": tenant, "subscription": subscription}


def test_pra_plan_and_exercise_on_the_secondary(
    backed_up: dict[str, Any], providers: SimulatedProviders, client: TestClient,
    auth: TokenFactory, database: Database, make_tenant: TenantFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant, subscription = backed_up["tenant"], backed_up["subscription"]
    operator, own = auth(Role.GCS_OPERATOR), auth(Role.ESTABLISHMENT, tenant)
    body = {"subscription_id": subscription["id"], "rto_minutes": 60, "rpo_minutes": 1440,
            "instance_type": "t3.small", "image_id": IMAGE}
    assert client.post(f"{HOST}/dr-plans", json=body, headers=own).status_code == 403
    made = client.post(f"{HOST}/dr-plans", json=body, headers=operator)
    assert made.status_code == 201, made.text
    plan = made.json()
    assert (plan["primary_provider"], plan["secondary_provider"]) == ("hds-a", "hds-b")
    assert plan["placement"]["restore_from"] == "hds-b"
    assert "hds-b" in plan["placement"]["reasons"][0]
    assert len(plan["runbook"]) == 6 and "hds-b" in plan["runbook"][3]
    assert any(r.startswith("data:") for r in plan["protected_resources"])
    again = client.post(f"{HOST}/dr-plans", json=body, headers=operator)
    assert again.status_code == 409 and again.json()["code"] == "HOST-0162"

    started = client.post(f"{HOST}/dr-plans/{plan['id']}/exercise", headers=operator)
    assert started.status_code == 202, started.text
    job = run(client, database, auth, started.json()["job"]["id"])
    assert job["state"] == "succeeded", (job["error"], job["log"])
    assert job["result"]["rto_met"] is True and job["result"]["rpo_met"] is True
    (exercise,) = client.get(f"{HOST}/dr-exercises", headers=own).json()["items"]
    assert exercise["state"] == "succeeded" and exercise["plan_id"] == plan["id"]
    assert exercise["achieved_rto_seconds"] > 0 and exercise["achieved_rpo_seconds"] > 0
    details = exercise["details"]
    assert details["restore"]["copy"] == "hds-b" and details["restore"]["files_verified"] == 12
    assert details["probe"]["state"] == "running" and details["probe"]["console_reachable"]
    instance = details["start"]["instance_id"]
    assert details["teardown"]["instances"] == [instance]
    assert details["teardown"]["left"] == {"instances": [], "volumes": []}

    ec2 = boto3.client("ec2", **providers.ec2.boto3_kwargs())
    (reservation,) = ec2.describe_instances(InstanceIds=[instance])["Reservations"]
    (described,) = reservation["Instances"]
    assert described["State"]["Name"] in {"shutting-down", "terminated"}
    tags = {t["Key"]: t["Value"] for t in described["Tags"]}
    assert tags["socle:finess"] == tenant.finess
    assert tags["socle:request"] == exercise["exercise_key"]
    assert tags["socle:dr-exercise"] == str(exercise["id"])
    assert tagged(ec2, exercise["exercise_key"]) == ([], [])
    found = evidence(database, tenant)
    assert found["hosting.dr_plan"].value is True
    assert found["hosting.dr_exercise"].value is True
    assert found["hosting.dr_exercise"].source == f"hosting.dr_exercise#{exercise['id']}"

    # an instance that does not answer: the exercise fails, and still leaves nothing behind
    def silent(self: DrCompute, instance_id: str) -> Probe:
        return Probe(instance_id, "running", console_reachable=False, status_checks=None)

    monkeypatch.setattr(DrCompute, "probe", silent)
    worker = threading.Thread(target=work_one, args=(database,))
    worker.start()
    shown = socle("dr", "exercise", str(plan["id"]), "--wait", "--json", code=1)  # from the CLI
    worker.join()
    failed = json.loads(shown.stdout)  # the progress bar goes to stderr
    assert failed["state"] == "failed" and "does not answer" in failed["error"]
    job = client.get(f"/api/v1/jobs/{failed['job_id']}", headers=operator).json()
    assert job["state"] == "failed" and "does not answer" in job["error"]
    assert failed["details"]["teardown"]["instances"]  # it had started one...
    assert tagged(ec2, failed["exercise_key"]) == ([], [])  # ...and removed it
    assert evidence(database, tenant)["hosting.dr_exercise"].value is False

    other = auth(Role.ESTABLISHMENT, make_tenant())
    assert client.get(f"{HOST}/dr-plans/{plan['id']}", headers=other).status_code == 404
    assert client.get(f"{HOST}/dr-exercises/{exercise['id']}", headers=other).status_code == 404
    assert client.get(f"{HOST}/dr-plans", headers=own).json()["total"] == 1


def test_a_plan_needs_backups_and_a_machine(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, database: Database
) -> None:
    subscription = HostingFactory(database).subscription(make_tenant()).model_dump()
    operator = auth(Role.GCS_OPERATOR)
    answer = client.post(f"{HOST}/dr-plans", headers=operator, json={
        "subscription_id": subscription["id"], "rto_minutes": 60, "rpo_minutes": 60,
        "image_id": IMAGE, "instance_type": "t3.small"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "subscription_id"
    answer = client.post(f"{HOST}/dr-plans", headers=operator, json={
        "subscription_id": subscription["id"], "rto_minutes": 0, "rpo_minutes": 60})
    assert answer.status_code == 422 and "rto_minutes" in answer.text
    assert client.post(f"{HOST}/dr-plans", headers=operator, json={
        "subscription_id": 99_999, "rto_minutes": 5, "rpo_minutes": 5}).status_code == 404
    assert client.get(f"{HOST}/dr-plans", headers=operator).json()["total"] == 0
    # the same rules from the CLI
    socle("dr", "create", str(subscription["id"]), "--rto-minutes", "60", "--rpo-minutes", "60",
          "--image-id", IMAGE, "--instance-type", "t3.small", code=2)
    socle("dr", "exercise", "999", code=3)
    assert socle("dr", "list", "--json") == [] and socle("dr", "exercises", "--json") == []
