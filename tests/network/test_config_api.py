"""The configuration API over simulated routers: plan, apply, backups, drift after an
out-of-band change, device configuration; and secrets found nowhere Socle writes."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select

from controlplane import jobs
from controlplane.db import Database, Scope
from network.config import backups
from network.inventory.models import Device
from tests.conftest import TokenFactory
from tests.network.region import (
    SNMP_AUTH,
    SNMP_PRIV,
    Region,
    region_fixture,  # noqa: F401
    routers_fixture,  # noqa: F401
)
from tests.support.queries import count_queries

NET = "/api/v1/network"


def run_job(client: TestClient, database: Database, answer: Any, headers: dict[str, str]) -> dict:
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job"]["id"]
    assert jobs.Worker(database).run_once() == job_id
    return client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()


def converge(client: TestClient, region: Region, headers: dict[str, str]) -> list[Any]:
    """Plan and apply every router, then back them all up; the answers seen."""
    planned = client.post(f"{NET}/plan", json={}, headers=headers)
    assert planned.status_code == 201 and planned.json()["state"] == "planned", planned.text
    applied = run_job(client, region.database, client.post(
        f"{NET}/apply", json={"plan_id": planned.json()["plan_id"]}, headers=headers), headers)
    assert applied["state"] == "succeeded", applied["error"]
    backed_up = run_job(client, region.database,
                        client.post(f"{NET}/backups", headers=headers), headers)
    assert backed_up["state"] == "succeeded", backed_up["error"]
    return [planned.json(), applied, backed_up]


def test_drift_after_an_out_of_band_change(region: Region, client: TestClient,
                                           auth: TokenFactory) -> None:
    headers = auth("network-engineer")
    region.add_router("ce01")
    region.add_router("ce02")
    converge(client, region, headers)
    compliant = client.get(f"{NET}/drift", headers=headers).json()
    assert (compliant["items"], compliant["total"]) == ([], 0)

    region.routers.apply_out_of_band("ce01", ["interface GigabitEthernet0/1",
                                              " description rogue"])
    region.routers.apply_out_of_band("ce02", ["delete snmp view SOCLE-RO"])
    run_job(client, region.database, client.post(f"{NET}/backups", headers=headers), headers)
    region.add_router("ce03")  # never backed up
    drift = client.get(f"{NET}/drift", params={"include_compliant": True}, headers=headers).json()
    status = {item["device"]: item["status"] for item in drift["items"]}
    assert status == {"ce01": "drifted", "ce02": "drifted", "ce03": "unknown"}
    ce01 = next(item for item in drift["items"] if item["device"] == "ce01")
    assert "- description rogue" in ce01["diff"] and "+ description MPLS" in ce01["diff"]
    ce02 = next(item for item in drift["items"] if item["device"] == "ce02")
    assert "+set snmp view SOCLE-RO oid .1 include" in ce02["diff"]

    with region.database.transaction(scope=Scope.unrestricted()) as db:
        device_id = db.scalar(select(Device.id).where(Device.hostname == "ce01"))
    config = client.get(f"{NET}/devices/{device_id}/config", headers=headers).json()
    assert config["status"] == "drifted"
    assert "description rogue" in config["backup"]["content"]
    assert config["backup"]["source"] == "scheduled"
    assert "hostname ce01" in config["intended"]


def test_a_router_never_backed_up_is_unknown_not_compliant(region: Region, client: TestClient,
                                                          auth: TokenFactory) -> None:
    region.add_router("ce01")
    drift = client.get(f"{NET}/drift", headers=auth("gcs-operator")).json()
    assert [(i["device"], i["status"]) for i in drift["items"]] == [("ce01", "unknown")]


def _everything_stored(database: Database) -> str:
    """Every value of every row of every table, as text."""
    metadata = MetaData()
    metadata.reflect(database.engine)
    chunks = []
    with database.transaction(scope=Scope.unrestricted()) as db:
        for table in metadata.sorted_tables:
            for row in db.execute(select(table)):
                chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


def test_secrets_never_leak(region: Region, client: TestClient, auth: TokenFactory,
                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    headers = auth("gcs-operator")
    region.add_router("ce01")
    region.add_router("ce02")
    answers = converge(client, region, headers)
    rogue = "Rogue-Key-9d81c0"
    region.routers.apply_out_of_band("ce01", [
        f"snmp-server user socle-mon SOCLE-MON v3 auth sha {rogue} priv aes 128 {rogue}"])
    region.routers.refuse_line("ce01", "snmp-server user socle-mon SOCLE-MON v3 auth sha "
                               f"{SNMP_AUTH} priv aes 128 {SNMP_PRIV}")
    answers.append(run_job(client, region.database,
                           client.post(f"{NET}/backups", headers=headers), headers))
    failed = client.post(f"{NET}/plan", json={"devices": ["ce01"]}, headers=headers).json()
    answers.append(failed)
    answers.append(run_job(client, region.database, client.post(
        f"{NET}/apply", json={"plan_id": failed["plan_id"]}, headers=headers), headers))
    assert answers[-1]["state"] == "failed" and "snmp-server user" in answers[-1]["error"]
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        ids = db.scalars(select(Device.id)).all()
    for device_id in ids:
        answers.append(client.get(f"{NET}/devices/{device_id}/config", headers=headers).json())
    answers.append(client.get(f"{NET}/drift", headers=headers).json())
    answers.append(client.get("/api/v1/audit", params={"limit": 500}, headers=headers).json())
    answers.append(client.get("/api/v1/jobs", headers=headers).json())

    assert SNMP_AUTH in region.routers.running_config("ce02")  # the push did reveal it
    ours = [r.getMessage() for r in caplog.records  # the simulated routers' own logs aside
            if not r.name.startswith(("fakenos", "network.sim"))]
    written = "\n".join([_everything_stored(region.database), repr(answers), *ours])
    for secret in (SNMP_AUTH, SNMP_PRIV, region.routers.password, rogue):
        assert secret not in written
    assert "<<secret:snmp-auth>>" in written and "<<secret:unknown>>" in written


def test_drift_query_count_is_pinned(region: Region, client: TestClient,
                                     auth: TokenFactory, database: Database) -> None:
    headers = auth("gcs-operator")
    counts = []
    for name in ("ce01", "ce02", "ce03"):
        region.add_router(name)
        with database.transaction(scope=Scope.unrestricted()) as db:
            device = db.scalar(select(Device).where(Device.hostname == name))
            backups.store(db, device_id=device.id, tenant_id=device.tenant_id,
                          content="hostname x", source=backups.Source.SCHEDULED)
        with count_queries(database.engine, database.read_engine) as statements:
            answer = client.get(f"{NET}/drift", headers=headers)
        assert answer.status_code == 200 and answer.json()["total"] >= 1
        counts.append(len(statements))
    # token + devices + circuits + prefixes + management pools + latest backups
    assert counts == [6] * 3, counts


def test_an_establishment_sees_its_routers_as_the_operator_does(
    region: Region, client: TestClient, auth: TokenFactory, make_tenant: Any,
) -> None:
    """Its router's intent needs the regional PE (no tenant's): rendered in its own
    scoped session it was an "error: ... has no PE with an AS number" for a router the
    operator saw compliant."""
    engineer = auth("network-engineer")
    region.add_router("ce01")
    converge(client, region, engineer)
    own, stranger = auth("establishment", region.tenant), auth("establishment", make_tenant())
    for headers in (engineer, own):
        drift = client.get(f"{NET}/drift", params={"include_compliant": True},
                           headers=headers).json()
        assert [(i["device"], i["status"], i["error"]) for i in drift["items"]] == [
            ("ce01", "compliant", None)]
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        device_id = db.scalar(select(Device.id).where(Device.hostname == "ce01"))
    config = client.get(f"{NET}/devices/{device_id}/config", headers=own).json()
    assert config["status"] == "compliant" and "hostname ce01" in config["intended"]
    assert client.get(f"{NET}/drift", params={"include_compliant": True},
                      headers=stranger).json()["items"] == []
    assert client.get(f"{NET}/devices/{device_id}/config", headers=stranger).status_code == 404
