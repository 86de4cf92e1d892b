"""PRA end to end on the simulated providers and a real recovery host: a backed-up
subscription gets a plan whose secondary is chosen by placement (never the primary,
preferring the provider holding a copy) and which names its recovery host (an sshd on
loopback standing for the secondary's VM, or this machine as in the demo). An exercise
restores the copy held at the secondary onto that host with restic, starts the capacity
record on the EC2 endpoint, starts the service on the host and fetches files from it:
the exercise succeeds only when they carry the SHA-256 recorded at backup time, and
everything it made is gone afterwards, also when it fails."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from fastapi.testclient import TestClient

from controlplane import jobs
from controlplane.auth import Role
from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from controlplane.evidence import Evidence, collect
from controlplane.settings import Settings
from controlplane.simulation import state_file
from hosting.demo import PROVIDERS_SIMULATOR
from hosting.dr.evidence import EXERCISE_RULE
from hosting.dr.models import DrExercise
from hosting.dr.service import choose_secondary
from hosting.drivers.recovery import RecoveryHost, Service
from hosting.metrics import dr_plans
from hosting.secrets import SECRETS
from hosting.sim.providers import SimulatedProviders
from hosting.sim.state import write_state_file
from hosting.subscriptions.placement import ProviderFacts
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import HostingFactory, offer_body
from tests.hosting.regions import HOST, register, subscribe
from tests.hosting.test_hosting_cli import runner, socle
from tests.support.sshd import SshServer, running_sshd

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


def objectives_met(database: Database) -> list[float]:
    """``socle_dr_exercise_last_objectives_met`` as /metrics shows it, per plan."""
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        (gauge,) = [g for g in dr_plans(db) if g.name == "socle_dr_exercise_last_objectives_met"]
    return [sample.value for sample in gauge.samples]


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


def digests(source: Path) -> dict[str, str]:
    """The SHA-256 of every file under ``source``, by relative path (the truth on disk)."""
    return {str(p.relative_to(source)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in source.rglob("*") if p.is_file()}


def answers(url: str) -> bool:
    """Whether anything still listens at ``url``."""
    try:
        httpx.get(url, timeout=2)
    except httpx.TransportError:
        return False
    return True


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
    (source / "lisez-moi é.txt").write_text("séjour\n" * 50)
    operator = auth(Role.GCS_OPERATOR)
    url = f"{HOST}/subscriptions/{subscription['id']}"
    assert client.put(f"{url}/backup-policy", json={"source_path": str(source)},
                      headers=operator).status_code == 200
    backup = client.post(f"{url}/backup", headers=operator).json()["job"]["id"]
    assert run(client, database, auth, backup)["state"] == "succeeded"
    return {"tenant": tenant, "subscription": subscription, "source": source,
            "digests": digests(source)}


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """The recovery host: a real OpenSSH server on loopback (the secondary's VM)."""
    with running_sshd(tmp_path_factory.mktemp("recovery-sshd")) as server:
        yield server


def over_ssh(server: SshServer, settings: Settings, workdir: Path) -> dict[str, Any]:
    """A recovery host body for ``server``, its key stored as a hosting secret."""
    key_ref = SECRETS.store_file(settings.data_dir, "pra-recovery-ssh-key",
                                 server.client_key.read_text())
    return {"access": {"kind": "ssh", "host": server.host, "port": server.port,
                       "user": server.user, "key_ref": key_ref,
                       "host_key": server.host_public_key},
            "workdir": str(workdir)}


def plan_for(client: TestClient, auth: TokenFactory, backed_up: dict[str, Any],
             recovery_host: dict[str, Any] | None) -> dict[str, Any]:
    """The subscription's PRA (RTO 60 min, RPO 24 h) on ``recovery_host``."""
    body = {"subscription_id": backed_up["subscription"]["id"], "rto_minutes": 60,
            "rpo_minutes": 1440, "instance_type": "t3.small", "image_id": IMAGE,
            "recovery_host": recovery_host}
    made = client.post(f"{HOST}/dr-plans", json=body, headers=auth(Role.GCS_OPERATOR))
    assert made.status_code == 201, made.text
    return dict(made.json())


def exercise_of(client: TestClient, database: Database, auth: TokenFactory,
                plan: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run an exercise of ``plan`` to its end: its job and its record, as the API shows."""
    operator = auth(Role.GCS_OPERATOR)
    started = client.post(f"{HOST}/dr-plans/{plan['id']}/exercise", headers=operator)
    assert started.status_code == 202, started.text
    job = run(client, database, auth, started.json()["job"]["id"])
    (exercise,) = [e for e in client.get(f"{HOST}/dr-exercises", headers=operator).json()[
        "items"] if e["job_id"] == job["id"]]
    return job, exercise


def test_pra_plan_and_exercise_onto_the_recovery_host(
    backed_up: dict[str, Any], providers: SimulatedProviders, client: TestClient,
    auth: TokenFactory, database: Database, make_tenant: TenantFactory, sshd: SshServer,
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant, subscription = backed_up["tenant"], backed_up["subscription"]
    operator, own = auth(Role.GCS_OPERATOR), auth(Role.ESTABLISHMENT, tenant)
    workdir = tmp_path / "recovery-vm"
    body = {"subscription_id": subscription["id"], "rto_minutes": 60, "rpo_minutes": 1440,
            "instance_type": "t3.small", "image_id": IMAGE,
            "recovery_host": over_ssh(sshd, settings, workdir)}
    assert client.post(f"{HOST}/dr-plans", json=body, headers=own).status_code == 403
    made = client.post(f"{HOST}/dr-plans", json=body, headers=operator)
    assert made.status_code == 201, made.text
    plan = made.json()
    assert "PRIVATE KEY" not in made.text  # the key's reference only
    assert plan["recovery_host"]["access"]["key_ref"] == "file:pra-recovery-ssh-key"
    assert (plan["primary_provider"], plan["secondary_provider"]) == ("hds-a", "hds-b")
    assert plan["placement"]["restore_from"] == "hds-b"
    assert "hds-b" in plan["placement"]["reasons"][0]
    assert len(plan["runbook"]) == 6 and "hds-b" in plan["runbook"][3]
    assert any(r.startswith("data:") for r in plan["protected_resources"])
    again = client.post(f"{HOST}/dr-plans", json=body, headers=operator)
    assert again.status_code == 409 and again.json()["code"] == "HOST-0162"

    job, exercise = exercise_of(client, database, auth, plan)
    assert job["state"] == "succeeded", (job["error"], job["log"])
    assert [s["name"] for s in job["steps"]] == [
        "restore", "start", "serve", "probe", "teardown", "record"]
    assert job["result"]["rto_met"] is True and job["result"]["rpo_met"] is True
    assert client.get(f"{HOST}/dr-exercises", headers=own).json()["items"] == [exercise]
    assert exercise["state"] == "succeeded" and exercise["plan_id"] == plan["id"]
    details, where = exercise["details"], f"{sshd.user}@{sshd.host}:{sshd.port}"
    restore, served, probe = details["restore"], details["serve"], details["probe"]
    assert restore["copy"] == "hds-b" and restore["endpoint"] == providers.s3[1].url
    assert restore["files_verified"] == len(backed_up["digests"]) == 13
    assert restore["recovery_host"] == served["recovery_host"] == where
    assert restore["root"].startswith(str(workdir / exercise["exercise_key"]))
    # the service on the recovery host served the restored files with their SHA-256
    assert served["url"].startswith(f"http://{sshd.host}:")
    assert probe["answered_with_restored_data"] is True and len(probe["files"]) == 3
    for fetched in probe["files"]:
        assert fetched["sha256"] == backed_up["digests"][fetched["path"]]
    assert {f["path"] for f in probe["files"]} >= {"dossiers/patient-000.pdf", "lisez-moi é.txt"}
    # achieved RTO: from the disaster to the service answering, the restore included
    assert exercise["achieved_rto_seconds"] == probe["rto_seconds"]
    assert probe["rto_seconds"] >= restore["restore_seconds"] > 0
    assert exercise["achieved_rpo_seconds"] == restore["rpo_seconds"] > 0
    # nothing left: not on the recovery host, not at the EC2 endpoint
    assert not (workdir / exercise["exercise_key"]).exists() and not answers(served["url"])
    instance = details["start"]["instance_id"]
    assert details["teardown"]["instances"] == [instance]
    assert details["teardown"]["left"] == {"instances": [], "volumes": [], "recovery_host": []}
    assert details["teardown"]["recovery_host"] == where
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
    met = found["hosting.dr_exercise"]
    assert met.value is True and met.source == f"hosting.dr_exercise#{exercise['id']}"
    assert met.rule == EXERCISE_RULE and "répondu avec les données restaurées" in met.rule
    assert where in met.detail and "3 fichier(s) servis identiques" in met.detail
    assert objectives_met(database) == [1.0]
    with database.transaction(scope=Scope.unrestricted()) as db:  # as recorded before the
        row = db.get_one(DrExercise, exercise["id"])  # service was checked: no proof
        row.details = {k: v for k, v in row.details.items() if k != "probe"}
    unproven = evidence(database, tenant)["hosting.dr_exercise"]
    assert unproven.value is False and "sans preuve" in unproven.detail
    assert objectives_met(database) == [0.0]  # DrExerciseObjectivesMissed fires
    assert "unproven" in socle("dr", "exercises").stdout

    # the restored data altered on the recovery host before the service starts: the
    # service answers, but not with the backed-up data; the exercise fails, from the CLI
    serve = RecoveryHost.serve

    def altered(self: RecoveryHost, key: str, root: str) -> Service:
        (Path(root) / "dossiers" / "patient-000.pdf").write_bytes(b"not the backup")
        return serve(self, key, root)

    monkeypatch.setattr(RecoveryHost, "serve", altered)
    worker = threading.Thread(target=work_one, args=(database,))
    worker.start()
    shown = socle("dr", "exercise", str(plan["id"]), "--wait", "--json", code=1)
    worker.join()
    failed = json.loads(shown.stdout)  # the progress bar goes to stderr
    assert failed["state"] == "failed" and failed["error"].startswith("step 'probe' failed")
    assert "dossiers/patient-000.pdf" in failed["error"]
    assert backed_up["digests"]["dossiers/patient-000.pdf"] in failed["error"]
    job = client.get(f"/api/v1/jobs/{failed['job_id']}", headers=operator).json()
    assert job["state"] == "failed" and job["error"] == failed["error"]
    assert failed["details"]["teardown"]["instances"]  # it had started one...
    assert tagged(ec2, failed["exercise_key"]) == ([], [])  # ...and removed it
    assert not (workdir / failed["exercise_key"]).exists()  # and the restored data
    assert not answers(failed["details"]["serve"]["url"])  # and stopped the service
    assert failed["details"]["left_behind"] is False
    not_met = evidence(database, tenant)["hosting.dr_exercise"]
    assert not_met.value is False and not_met.detail.startswith("échec : step 'probe'")

    other = auth(Role.ESTABLISHMENT, make_tenant())
    assert client.get(f"{HOST}/dr-plans/{plan['id']}", headers=other).status_code == 404
    assert client.get(f"{HOST}/dr-exercises/{exercise['id']}", headers=other).status_code == 404
    assert client.get(f"{HOST}/dr-plans", headers=own).json()["total"] == 1


def test_the_demo_pra_recovers_on_this_machine(
    providers: SimulatedProviders, settings: Settings, database: Database, tmp_path: Path,
) -> None:
    """docs/hosting.md's PRA on the demo, command by command: a plan naming no recovery
    host fails saying so; named ``local``, its exercise restores and serves here."""
    state = state_file(settings.data_dir, PROVIDERS_SIMULATOR)
    state.parent.mkdir(parents=True, exist_ok=True)
    write_state_file(state, providers.endpoints, pid=0)  # as `socle sim up` leaves it
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    worker = jobs.Worker(database)
    while worker.run_once() is not None:  # `socle serve` provisions the demo's requests
        pass
    (backup,) = [s for s in socle("subscription", "list", "--json")
                 if s["offer"] == "sauvegarde-argent"]
    source = tmp_path / "dpi"
    (source / "dossiers").mkdir(parents=True)
    for n in range(5):
        (source / "dossiers" / f"patient-{n:03}.pdf").write_bytes(os.urandom(2048 + n))
    socle("backup", "policy", str(backup["id"]), "--source", str(source), "--json")
    assert socle("backup", "run", str(backup["id"]), "--here", "--json")["state"] == "succeeded"
    plan = socle("dr", "create", str(backup["id"]), "--rto-minutes", "240", "--rpo-minutes",
                 "1440", "--instance-type", "t3.small", "--image-id", IMAGE, "--json")
    assert plan["recovery_host"] is None
    assert {plan["primary_provider"], plan["secondary_provider"]} == {"hds-paris", "hds-lyon"}

    def exercise(code: int) -> dict[str, Any]:
        beside = threading.Thread(target=work_one, args=(database,))
        beside.start()
        shown = socle("dr", "exercise", str(plan["id"]), "--wait", "--json", code=code)
        beside.join()
        return dict(json.loads(shown.stdout) if code else shown)

    failed = exercise(code=1)
    assert failed["state"] == "failed" and failed["error"] == (
        f"step 'restore' failed: PRA {plan['id']} names no recovery host: nothing to restore "
        f"onto (socle hosting dr recovery-host {plan['id']} ..., or PUT "
        f"/api/v1/hosting/dr-plans/{plan['id']}/recovery-host)")
    named = socle("dr", "recovery-host", str(plan["id"]), "local", "--json")
    assert named["recovery_host"] == {"access": {"kind": "local"}, "service_port": 0,
                                      "workdir": None}
    done = exercise(code=0)
    assert done["state"] == "succeeded", done["error"]
    assert done["details"]["restore"]["recovery_host"] == "local"
    assert done["details"]["restore"]["copy"] == plan["secondary_provider"]
    assert done["details"]["serve"]["url"].startswith("http://127.0.0.1:")
    probed = done["details"]["probe"]["files"]
    assert [f["path"] for f in probed] == [
        "dossiers/patient-000.pdf", "dossiers/patient-002.pdf", "dossiers/patient-004.pdf"]
    for fetched in probed:
        assert fetched["sha256"] == digests(source)[fetched["path"]]
    assert not (settings.data_dir / "pra" / done["exercise_key"]).exists()
    listed = socle("dr", "exercises", "--plan", str(plan["id"]), "--json")
    assert [(e["state"], e["rto_met"]) for e in listed] == [("succeeded", True), ("failed", None)]
    table = socle("dr", "exercises", "--plan", str(plan["id"])).stdout
    assert "yes" in table and "unproven" not in table


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
    socle("dr", "recovery-host", "999", "local", code=3)
    socle("dr", "recovery-host", "1", "192.0.2.7", "--ssh-key-ref", "-----BEGIN", code=2)
    assert socle("dr", "list", "--json") == [] and socle("dr", "exercises", "--json") == []
