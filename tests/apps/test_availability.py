"""The regional services' measured availability: the health job keeps which minutes each
instance was checked in and answered; ``apps.availability`` judges an establishment's
enrolled services over the last complete month against their catalogue targets, and
HN P2.2 follows (met, not met naming the service, unknown with its rule)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from apps.catalogue import service as catalogue
from apps.deployments import uptime
from apps.deployments.models import HealthDay, Instance
from apps.enrolments.models import Enrolment
from apps.evidence import AVAILABILITY, RULE
from controlplane import evidence, jobs
from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.models import Tenant
from controlplane.months import calendar_month
from tests.apps.factories import AppsFactory
from tests.conftest import TenantFactory, TokenFactory
from tests.support.apphosts import free_port

AT = datetime(2027, 3, 10, 9, tzinfo=UTC)  # judged on 10 March: February 2027 is measured
FEBRUARY = calendar_month(2027, 2)  # Paris time: from 31 January 23:00 UTC, 40,320 minutes
SSI = "/api/v1/ssi"


@pytest.fixture
def apps(database: Database) -> AppsFactory:
    return AppsFactory(database)


def _enrol(database: Database, apps: AppsFactory, tenant: Tenant, service: str,
           at: datetime = FEBRUARY.starts_at - timedelta(days=30)) -> None:
    """``tenant`` enrolled in ``service`` since ``at``."""
    row = apps.enrolment(tenant, service)
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.execute(update(Enrolment).where(Enrolment.id == row.id).values(created_at=at))


def _checked(database: Database, outcomes: dict[int, bool], start: datetime,
             minutes: int) -> None:
    with database.transaction(scope=Scope.unrestricted()) as db:
        uptime.record(db, outcomes, start, minutes)


def _answered_all_month(database: Database, *instances: int) -> None:
    _checked(database, dict.fromkeys(instances, True), FEBRUARY.starts_at, FEBRUARY.minutes)


def _evidence(database: Database, *tenants: Tenant) -> dict[int, evidence.Evidence]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        found = evidence.collect_many(db, tenant_ids=[t.id for t in tenants],
                                      keys=[AVAILABILITY], now=AT)
    return {tenant_id: values[AVAILABILITY] for tenant_id, values in found.items()}


def _p22(client: TestClient, auth: TokenFactory, tenant: Tenant) -> tuple[str, dict[str, Any]]:
    answer = client.get(f"{SSI}/tenants/{tenant.finess}/indicators",
                        headers=auth(Role.ESTABLISHMENT, tenant),
                        params={"framework": "hn-prerequis", "at": AT.isoformat()})
    assert answer.status_code == 200, answer.text
    [item] = [i for i in answer.json()["items"] if i["id"] == "P2.2"]
    [apps] = [a for a in item["automatic"] if a["key"] == AVAILABILITY]
    return item["status"], apps


def test_a_service_that_answered_all_month_meets_its_target(
    client: TestClient, auth: TokenFactory, database: Database, apps: AppsFactory,
    make_tenant: TenantFactory,
) -> None:
    tenant = make_tenant()
    _enrol(database, apps, tenant, "identity")
    _answered_all_month(database, apps.instance("identity").id)

    status, shown = _p22(client, auth, tenant)
    assert status == "met"  # no circuit: the network says nothing, the services decide
    assert (shown["status"], shown["value"], shown["verdict"]) == ("met", 100.0, True)
    assert shown["source"] == "apps.health:2027-02"
    assert "identity 100 % (cible ≥ 99.5 %)" in shown["detail"]
    assert shown["rule"] == RULE and "catalogue" in RULE and "sans contrôle" in RULE
    [found] = _evidence(database, tenant).values()
    month = found.data["services"]["identity"]
    assert (month["minutes"], month["checked_minutes"], month["up_minutes"]) == (40320,) * 3


def test_failed_checks_below_target_make_p22_not_met_and_name_the_service(
    client: TestClient, auth: TokenFactory, database: Database, apps: AppsFactory,
    make_tenant: TenantFactory,
) -> None:
    tenant = make_tenant()
    for service in ("identity", "lab"):
        _enrol(database, apps, tenant, service)
    first, second = apps.instance("identity").id, apps.instance("identity").id
    lab = apps.instance("lab").id
    _answered_all_month(database, first, second, lab)
    # one of identity's two instances fails 10 minutes: those minutes are down for it
    _checked(database, {second: False}, FEBRUARY.starts_at + timedelta(days=3), 10)
    # lab fails 300 minutes (0.74 % of February): 99.256 % < 99.5 %
    _checked(database, {lab: False}, FEBRUARY.starts_at + timedelta(days=20), 300)

    status, shown = _p22(client, auth, tenant)
    assert (status, shown["status"], shown["verdict"]) == ("not_met", "not_met", False)
    assert shown["value"] == 99.256  # the lowest of the establishment's services
    assert "cible manquée : lab" in shown["detail"]
    assert "identity" not in shown["detail"].split("cible manquée")[1]
    [found] = _evidence(database, tenant).values()
    services = found.data["services"]
    assert (services["identity"]["up_minutes"], services["identity"]["instances"]) == (40310, 2)
    assert services["lab"]["up_minutes"] == 40020 and found.data["missed"] == ["lab"]


def test_no_check_is_unknown_and_unchecked_minutes_are_not_up(
    client: TestClient, auth: TokenFactory, database: Database, apps: AppsFactory,
    make_tenant: TenantFactory,
) -> None:
    nothing, never_checked, half = make_tenant(), make_tenant(), make_tenant()
    _enrol(database, apps, never_checked, "registry")
    apps.instance("registry")  # deployed, but no health check ran in February
    _enrol(database, apps, half, "coordination")
    coordination = apps.instance("coordination").id
    _checked(database, {coordination: True}, FEBRUARY.starts_at, FEBRUARY.minutes // 2)

    found = _evidence(database, nothing, never_checked, half)
    assert found[nothing.id].value is None and found[nothing.id].rule == RULE
    assert "aucun service régional" in found[nothing.id].detail
    assert found[never_checked.id].value is None and found[never_checked.id].rule == RULE
    assert found[never_checked.id].detail == "aucun contrôle de santé en 2027-02 pour : registry"
    # checked half the month, answering each time: the other half is not up
    assert (found[half.id].value, found[half.id].verdict) == (50.0, False)
    assert found[half.id].data["services"]["coordination"]["checked_minutes"] == 20160
    status, shown = _p22(client, auth, never_checked)
    assert (status, shown["status"], shown["rule"]) == ("unknown", "unknown", RULE)


def test_only_the_establishments_own_services_count(
    database: Database, apps: AppsFactory, make_tenant: TenantFactory,
) -> None:
    healthy, failing = make_tenant(), make_tenant()
    _enrol(database, apps, healthy, "identity")
    _enrol(database, apps, healthy, "registry", at=FEBRUARY.ends_at + timedelta(days=1))
    _enrol(database, apps, failing, "lab")
    identity, lab = apps.instance("identity").id, apps.instance("lab").id
    _answered_all_month(database, identity)
    _checked(database, {lab: False}, FEBRUARY.starts_at, FEBRUARY.minutes)

    found = _evidence(database, healthy, failing)
    assert found[healthy.id].verdict is True
    assert list(found[healthy.id].data["services"]) == ["identity"]  # registry came in March
    assert (found[failing.id].verdict, found[failing.id].value) == (False, 0.0)
    assert list(found[failing.id].data["services"]) == ["lab"]
    with database.session(scope=Scope.tenant(healthy.id), write=False) as db:  # its own session
        [alone] = evidence.collect(db, tenant_id=healthy.id, keys=[AVAILABILITY], now=AT).values()
    assert alone == found[healthy.id]


def test_a_service_without_a_catalogue_target_is_not_met(
    database: Database, apps: AppsFactory, make_tenant: TenantFactory,
) -> None:
    tenant = make_tenant()
    _enrol(database, apps, tenant, "alpha")  # tests/apps/catalog: no availability target
    _answered_all_month(database, apps.instance("alpha").id)
    [found] = _evidence(database, tenant).values()
    assert (found.value, found.verdict) == (100.0, False)
    assert "sans cible de disponibilité : alpha" in found.detail


def test_a_target_out_of_range_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    shipped = (catalogue.SHIPPED / "lab.yaml").read_text(encoding="utf-8")
    (tmp_path / "lab.yaml").write_text(
        shipped.replace("availability_target_pct: 99.5", "availability_target_pct: 150"),
        encoding="utf-8")
    with pytest.raises(catalogue.CatalogError, match=r"lab.yaml:11: availability_target_pct"):
        catalogue.load([tmp_path])


def _minutes(database: Database, instance_id: int) -> tuple[int, int]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        rows = db.scalars(select(HealthDay).where(HealthDay.instance_id == instance_id)).all()
    bits = [(np.unpackbits(np.frombuffer(r.checked, np.uint8)),
             np.unpackbits(np.frombuffer(r.up, np.uint8))) for r in rows]
    return sum(int(c.sum()) for c, _ in bits), sum(int(u.sum()) for _, u in bits)


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def listener() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _on_port(database: Database, apps: AppsFactory, port: int) -> int:
    """An identity instance on a target whose identity answers on ``port``."""
    target = apps.target(ports={"identity": {"http": port}})
    with database.transaction(scope=Scope.unrestricted()) as db:
        row = Instance(service="identity", target_id=target.id, version="1.1.0",
                       config_sha256="0" * 64)
        db.add(row)
        db.flush()
        return row.id


def test_the_health_job_marks_the_minute_it_checked_in(
    database: Database, apps: AppsFactory, listener: ThreadingHTTPServer,
) -> None:
    answering, gone = (_on_port(database, apps, port)
                       for port in (listener.server_port, free_port()))
    with database.transaction(scope=Scope.unrestricted()) as db:
        job_id = jobs.enqueue(db, kind="apps.health", params={}, actor="tests").id
    assert jobs.Worker(database).run_once() == job_id
    assert _minutes(database, answering) == (1, 1)  # checked once, answered
    assert _minutes(database, gone) == (1, 0)  # checked once, refused


def test_a_minute_is_up_only_if_every_check_in_it_answered(database: Database,
                                                           apps: AppsFactory) -> None:
    instance = apps.instance("identity").id
    minute = datetime(2027, 2, 14, 23, 59, 30, tzinfo=UTC)
    _checked(database, {instance: True}, minute, 1)
    _checked(database, {instance: False}, minute + timedelta(seconds=20), 1)
    _checked(database, {instance: True}, minute + timedelta(seconds=25), 1)
    assert _minutes(database, instance) == (1, 0)
    _checked(database, {instance: True}, minute, 3)  # a span across midnight: two day rows
    assert _minutes(database, instance) == (3, 2)
