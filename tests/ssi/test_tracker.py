"""The HN / CaRE tracker: item judgement (pure), declarations and statuses through the API,
eligibility, and automatic evidence turning an item met, then expired as time passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controlplane import evidence, jobs
from controlplane.auth import Role
from controlplane.db import Database
from controlplane.evidence import Evidence
from controlplane.models import Tenant
from hosting.sim.providers import SimulatedProviders
from ssi.library import EvidenceRef, Indicator, Requirement, Target
from ssi.tracker.indicators import Basis, Declared, Status, judge
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.conftest import providers  # noqa: F401  (the simulated S3 providers)
from tests.hosting.factories import offer_body
from tests.hosting.regions import register, subscribe

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
SSI = "/api/v1/ssi"

RATE = Indicator(id="X.1", title="Taux", kind="usage", unit="%", source="s", verified=True,
                 target=Target(operator=">=", value=90),
                 evidence=(EvidenceRef(key="network.availability", max_age_days=62),))
RESTORE = Requirement(id="X.2", title="Test de restauration", source="s", verified=True,
                      evidence=(EvidenceRef(key="hosting.restore_test", max_age_days=365),))


def measured(key: str, value: Any, days_ago: float) -> Evidence:
    return Evidence(key=key, value=value, observed_at=NOW - timedelta(days=days_ago),
                    source=f"{key}#1")


def test_judgement_rules() -> None:
    ref = RESTORE.evidence[0]
    fresh = judge(RESTORE, [(ref, measured(ref.key, True, 10))], None, NOW)
    assert (fresh.status, fresh.basis) == (Status.MET, Basis.AUTOMATIC)
    assert fresh.automatic[0].expires_at == NOW + timedelta(days=355)
    old = judge(RESTORE, [(ref, measured(ref.key, True, 400))], None, NOW)
    assert old.status is Status.EXPIRED
    failed = judge(RESTORE, [(ref, measured(ref.key, False, 1))], None, NOW)
    assert failed.status is Status.NOT_MET
    undated = judge(RESTORE, [(ref, Evidence(ref.key, True, None, "x"))], None, NOW)
    assert undated.status is Status.EXPIRED  # a value with a validity but no date is not fresh
    nothing = judge(RESTORE, [(ref, evidence.unknown(ref.key, "vide"))], None, NOW)
    assert (nothing.status, nothing.basis) == (Status.UNKNOWN, None)

    # a declaration counts only where Socle measures nothing, and ages like the evidence
    said_yes = Declared("oui", "PV du test", NOW - timedelta(days=30), "tests")
    declared = judge(RESTORE, [(ref, evidence.unknown(ref.key, "vide"))], said_yes, NOW)
    assert (declared.status, declared.basis) == (Status.MET, Basis.DECLARED)
    assert declared.declaration_expires_at == NOW + timedelta(days=335)
    overruled = judge(RESTORE, [(ref, measured(ref.key, True, 400))], said_yes, NOW)
    assert (overruled.status, overruled.basis) == (Status.EXPIRED, Basis.AUTOMATIC)
    stale = Declared("oui", None, NOW - timedelta(days=366), "tests")
    assert judge(RESTORE, [], stale, NOW).status is Status.EXPIRED

    # two automatic values: one that misses is not hidden by one that meets
    both = (RESTORE.evidence[0], EvidenceRef(key="hosting.dr_exercise", max_age_days=365))
    mixed = judge(RESTORE, [(both[0], measured(both[0].key, True, 1)),
                            (both[1], measured(both[1].key, False, 1))], None, NOW)
    assert (mixed.status, mixed.basis) == (Status.NOT_MET, Basis.AUTOMATIC)
    half_known = judge(RESTORE, [(both[0], measured(both[0].key, True, 1)),
                                 (both[1], evidence.unknown(both[1].key, "vide"))], None, NOW)
    assert half_known.status is Status.MET

    # usage indicator: numbers against the target
    rate = RATE.evidence[0]
    assert judge(RATE, [(rate, measured(rate.key, 95.5, 20))], None, NOW).status is Status.MET
    assert judge(RATE, [(rate, measured(rate.key, 80, 20))], None, NOW).status is Status.NOT_MET
    assert judge(RATE, [(rate, measured(rate.key, 95.5, 70))], None, NOW).status is Status.EXPIRED


@pytest.fixture
def establishment(make_tenant: TenantFactory) -> Tenant:
    return make_tenant()


def items_by_id(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {(item["framework"], item["id"]): item for item in answer["items"]}  # type: ignore[misc]


def test_declarations_statuses_and_eligibility(
    client: TestClient, auth: TokenFactory, establishment: Tenant, make_tenant: TenantFactory
) -> None:
    own = auth(Role.ESTABLISHMENT, establishment)
    url = f"{SSI}/tenants/{establishment.finess}/indicators"

    first = client.get(url, headers=own, params={"at": NOW.isoformat()})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["total"] == len(body["items"]) == 11 + 13 + 2  # HN P1-P3, CaRE D2, CaRE D1 items
    assert {item["status"] for item in body["items"]} == {"unknown"}  # nothing measured yet
    p22 = items_by_id(body)[("hn-prerequis", "P2.2")]
    assert [a["key"] for a in p22["automatic"]] == ["network.availability", "apps.availability"]
    assert all(a["status"] == "unknown" and a["detail"] for a in p22["automatic"])
    # every automatic value, even before anything is measured, states the rule it is judged by
    rules = {a["key"]: a["rule"] for item in body["items"] for a in item["automatic"]}
    assert len(rules) == 9 and all(rules.values()), rules  # HN and CaRE keys
    assert [f["eligible"] for f in body["eligibility"]] == [False, False, False]

    hn = client.get(url, headers=own, params={"framework": "hn-prerequis"}).json()
    for item in hn["items"]:
        value = 95 if item["kind"] == "usage" else "oui"
        answer = client.put(f"{url}/hn-prerequis/{item['id']}", headers=own,
                            json={"value": value, "note": "validé en COPIL"})
        assert answer.status_code == 200, answer.text
    after = client.get(url, headers=own, params={"framework": "hn-prerequis"}).json()
    assert {item["status"] for item in after["items"]} == {"met"}
    assert {item["basis"] for item in after["items"]} == {"declared"}
    [standing] = after["eligibility"]
    assert standing["id"] == "hn-prerequis" and standing["eligible"] is True
    assert all(chapter["prerequisite"] and chapter["met"] for chapter in standing["chapters"])

    # one usage indicator under target: P1 no longer met, not eligible
    client.put(f"{url}/hn-prerequis/P1.2", headers=own, json={"value": 80})
    lower = client.get(url, headers=own, params={"framework": "hn-prerequis"}).json()
    assert items_by_id(lower)[("hn-prerequis", "P1.2")]["status"] == "not_met"
    assert items_by_id(lower)[("hn-prerequis", "P1.2")]["declared"]["value"] == 80
    assert lower["eligibility"][0]["eligible"] is False
    assert [c["met"] for c in lower["eligibility"][0]["chapters"]] == [False, True, True]
    usage = client.get(url, headers=own, params={"kind": "usage"}).json()
    assert {item["id"] for item in usage["items"]} == {"P1.2", "P1.4", "P3.4"}

    # bad input: named field, nothing saved
    for item_id, value in (("P1.2", "oui"), ("P1.2", 120), ("P1.1", 3), ("P1.1", "peut-être")):
        refused = client.put(f"{url}/hn-prerequis/{item_id}", headers=own, json={"value": value})
        assert refused.status_code == 422, (item_id, value, refused.text)
        assert any("value" in str(e) for e in refused.json()["errors"])
    assert items_by_id(client.get(url, headers=own).json())[("hn-prerequis", "P1.2")][
        "declared"]["value"] == 80
    missing = client.put(f"{url}/hn-prerequis/P9.9", headers=own, json={"value": "oui"})
    assert missing.status_code == 404 and missing.json()["code"] == "SSI-0601"
    untracked = client.get(url, headers=own, params={"framework": "hygiene-checklist"})
    assert untracked.status_code == 404 and untracked.json()["code"] == "SSI-0602"

    # another establishment sees neither the tracker nor can it declare
    other = auth(Role.ESTABLISHMENT, make_tenant())
    assert client.get(url, headers=other).status_code == 404
    assert client.put(f"{url}/care-d2/D2.P1", headers=other, json={"value": "oui"}
                      ).status_code == 404


def test_restore_test_evidence_turns_met_then_expired(
    client: TestClient, auth: TokenFactory, database: Database, establishment: Tenant,
    providers: SimulatedProviders,  # noqa: F811  (the fixture imported above)
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """A restore test run through the hosting plane's API (restic to SeaweedFS) turns
    CaRE D2.O4 met, with its source and date; a year and a day later it has expired."""
    rssi, operator = auth(Role.RSSI), auth(Role.GCS_OPERATOR)
    url = f"{SSI}/tenants/{establishment.finess}/indicators"

    def d2o4(at: datetime | None = None) -> dict[str, Any]:
        params = {"framework": "care-d2", **({"at": at.isoformat()} if at else {})}
        answer = client.get(url, headers=rssi, params=params)
        assert answer.status_code == 200, answer.text
        return items_by_id(answer.json())[("care-d2", "D2.O4")]

    assert d2o4()["status"] == "unknown"  # nothing hosted yet: never met
    register(client, auth, monkeypatch, "hds-ssi", "Paris", s3=providers.s3[0])
    offer = offer_body(90, "backup", copies=1, retention_days=7, rpo_hours=24)
    subscription = subscribe(client, database, auth, establishment, offer, size_gb=10)
    source = tmp_path / "dossiers"
    source.mkdir()
    (source / "patient.txt").write_text("séjour 2026\n" * 50)
    hosting = f"/api/v1/hosting/subscriptions/{subscription['id']}"
    assert client.put(f"{hosting}/backup-policy", json={"source_path": str(source)},
                      headers=operator).status_code == 200
    for action, body in (("backup", None), ("restore-test", {"copy_index": 0})):
        started = client.post(f"{hosting}/{action}", headers=operator, json=body)
        assert started.status_code == 202, started.text
        assert jobs.Worker(database).run_once() == started.json()["job"]["id"]
    [test] = client.get("/api/v1/hosting/backups/restore-tests", headers=operator
                        ).json()["items"]
    assert test["state"] == "succeeded", test

    met = d2o4()
    assert (met["status"], met["basis"]) == ("met", "automatic")
    [auto] = met["automatic"]
    assert auto["source"] == f"hosting.restore_test#{test['id']}" and auto["value"] is True
    tested_at = datetime.fromisoformat(auto["observed_at"])
    assert datetime.fromisoformat(auto["expires_at"]) == tested_at + timedelta(days=365)
    assert d2o4(tested_at + timedelta(days=364))["status"] == "met"
    aged = d2o4(tested_at + timedelta(days=366))
    assert (aged["status"], aged["automatic"][0]["status"]) == ("expired", "expired")
