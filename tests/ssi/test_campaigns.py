"""Diagnostic flash campaigns end to end through the API: a pinned checklist version,
answers validated (nothing saved on a bad one), submission, scores checked against
hand-computed values, regional quartiles and rank, history, reminders for late answers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database, Scope, utcnow
from controlplane.finess import make_finess
from controlplane.models import AuditRecord, Tenant
from controlplane.settings import Settings
from ssi.campaigns.models import Campaign
from tests.conftest import TenantFactory, TokenFactory
from tests.ssi.samples import CHECKLIST, replace_once, write

SSI = "/api/v1/ssi"

# mini-flash (tests/ssi/samples.py): scale 0..2 with "na"; chapter A (weight 1) = A1 (w1),
# A2 (w3); chapter B (weight 2) = B1 (w1), B2 (w1), B3 (w2); maturity 2 from 50, 3 from 75.
ANSWERS = {
    # A = (1 + 3*0.5)/4 = 62.5; B = (1 + 0)/2 = 50 (B3 n/a); overall (62.5 + 2*50)/3
    "x": {"A1": 2, "A2": 1, "B1": 2, "B2": 0, "B3": "na"},
    # A = 100; B = (1 + 1 + 2*0.5)/4 = 75; overall (100 + 2*75)/3
    "y": {"A1": 2, "A2": 2, "B1": 2, "B2": 2, "B3": 1},
    # A = 0; B = 0.5/4 = 12.5; overall 25/3
    "z": {"A1": 0, "A2": 0, "B1": 1, "B2": 0, "B3": 0},
}
OVERALL = {"x": 162.5 / 3, "y": 250 / 3, "z": 25 / 3}


@pytest.fixture
def checklists(settings: Settings) -> None:
    """mini-flash 1.0 and an operator's 1.1 adding chapter C, both loaded at start."""
    write(settings.data_dir / "frameworks", "mini-flash/1.0.yaml", CHECKLIST)
    newer = replace_once(CHECKLIST, 'version: "1.0"', 'version: "1.1"') + (
        "  - id: C\n    title: Chapitre C\n    source: Test\n    verified: false\n"
        "    items:\n      - {id: C1, text: \"Question C1\", source: Test, verified: false}\n"
    )
    write(settings.data_dir / "frameworks", "mini-flash/1.1.yaml", newer)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_campaign_answers_scores_comparison_history_and_reminders(
    checklists: None, client: TestClient, database: Database, auth: TokenFactory,
    make_tenant: TenantFactory,
) -> None:
    tenants = {name: make_tenant() for name in ("x", "y", "z")}
    rssi = auth(Role.RSSI)
    own = {name: auth(Role.ESTABLISHMENT, tenant) for name, tenant in tenants.items()}
    deadline = (utcnow().date() + timedelta(days=14)).isoformat()
    body = {"name": "Flash 2026", "framework_id": "mini-flash", "version": "1.0",
            "deadline": deadline, "tenants": [t.finess for t in tenants.values()]}

    # bad campaigns: unknown establishment, not a checklist, deadline past; nothing opened
    unknown = ok(client.post(f"{SSI}/campaigns", headers=rssi, json={
        **body, "tenants": [tenants["x"].finess, make_finess("69", 999_999)]}), 422)
    assert unknown["errors"][0]["field"] == "tenants[1]"
    assert ok(client.post(f"{SSI}/campaigns", headers=rssi, json={
        **body, "tenants": ["12345"]}), 422)["errors"][0]["field"].endswith("tenants")
    skeleton = ok(client.post(f"{SSI}/campaigns", headers=rssi, json={
        **body, "framework_id": "pgssi-s-pssi-skeleton", "version": None}), 422)
    assert skeleton["errors"][0]["field"] == "framework"
    past = ok(client.post(f"{SSI}/campaigns", headers=rssi, json={
        **body, "deadline": "2020-01-01"}), 422)
    assert past["errors"][0]["field"] == "deadline"
    assert ok(client.get(f"{SSI}/campaigns", headers=rssi))["total"] == 0
    assert client.post(f"{SSI}/campaigns", headers=own["x"], json=body).status_code == 403

    campaign = ok(client.post(f"{SSI}/campaigns", headers=rssi, json=body), 201)
    assert (campaign["framework_version"], campaign["submitted"]) == ("1.0", 0)
    ok(client.post(f"{SSI}/campaigns", headers=rssi, json=body), 409)
    latest = ok(client.post(f"{SSI}/campaigns", headers=rssi, json={
        **body, "name": "latest", "version": None, "tenants": [tenants["x"].finess]}), 201)
    assert latest["framework_version"] == "1.1"

    mine = {name: ok(client.get(f"{SSI}/assessments?campaign={campaign['id']}",
                                headers=own[name]))["items"] for name in tenants}
    assert all(len(items) == 1 for items in mine.values())
    ids = {name: items[0]["id"] for name, items in mine.items()}
    assert ok(client.get(f"{SSI}/assessments?campaign={campaign['id']}",
                         headers=rssi))["total"] == 3
    url = {name: f"{SSI}/assessments/{ident}" for name, ident in ids.items()}

    # a bad answer refuses the whole update, naming the question; nothing is saved
    ok(client.patch(url["x"], headers=own["x"], json={"answers": {"A1": 2}}))
    for wrong, field in (({"A2": 1, "C1": 2}, "C1"),  # C1 exists only in version 1.1
                         ({"A2": 1, "B1": 5}, "B1"),
                         ({"A2": True}, "A2")):
        refused = ok(client.patch(url["x"], headers=own["x"], json={"answers": wrong}), 422)
        assert field in {error["field"] for error in refused["errors"]}, refused
    assert ok(client.get(url["x"], headers=own["x"]))["answers"] == {"A1": 2}
    # another establishment's assessment does not exist for it; the RSSI (SSI read/write)
    # may answer for an establishment, e.g. during a visit
    assert client.patch(url["x"], headers=own["y"], json={"answers": {"A1": 0}}).status_code == 404
    assert client.get(url["x"], headers=own["y"]).status_code == 404
    assert ok(client.patch(url["x"], headers=rssi, json={"answers": {"A1": 1}}))["answers"] == \
        {"A1": 1}
    ok(client.patch(url["x"], headers=own["x"], json={"answers": {"A1": 2}}))

    # incomplete answers cannot be submitted
    incomplete = ok(client.post(f"{url['x']}/submit", headers=own["x"]), 422)
    assert {e["field"] for e in incomplete["errors"]} == {"A2", "B1", "B2", "B3"}

    for name in ("x", "y", "z"):
        live = ok(client.patch(url[name], headers=own[name], json={"answers": ANSWERS[name]}))
        assert live["score"] == pytest.approx(OVERALL[name]) and live["state"] == "open"
        ok(client.post(f"{url[name]}/submit", headers=own[name]))
    ok(client.post(f"{url['x']}/submit", headers=own["x"]), 409)
    ok(client.patch(url["x"], headers=own["x"], json={"answers": {"A1": 0}}), 409)

    x = ok(client.get(url["x"], headers=own["x"]))
    assert x["state"] == "submitted" and x["overall"] == pytest.approx(162.5 / 3)
    assert x["maturity_level"] == 2 and x["maturity"] == {"level": 2, "label": "Moyen"}
    assert {c["id"]: c["score"] for c in x["chapters"]} == {"A": 62.5, "B": 50.0}
    assert x["chapter_scores"] == {"A": 62.5, "B": 50.0}
    assert x["chapters"][1]["answered"] == 3
    # the region: scores 25/3, 162.5/3, 250/3 → quartiles (inclusive) 31.25, 54.17, 68.75
    # (read by the RSSI: an establishment is not shown figures over 3 establishments,
    # tests/ssi/test_campaign_privacy.py)
    comparison = ok(client.get(url["x"], headers=rssi))["comparison"]
    assert (comparison["rank"], comparison["out_of"]) == (2, 3)
    assert comparison["overall"]["q1"] == pytest.approx(31.25)
    assert comparison["overall"]["median"] == pytest.approx(162.5 / 3)
    assert comparison["overall"]["q3"] == pytest.approx(68.75)
    # chapter A scores 0, 62.5, 100
    assert comparison["chapters"]["A"] == {"count": 3, "min": 0.0, "q1": 31.25,
                                           "median": 62.5, "q3": 81.25, "max": 100.0}
    assert ok(client.get(url["y"], headers=rssi))["comparison"]["rank"] == 1
    results = ok(client.get(f"{SSI}/campaigns/{campaign['id']}/results", headers=rssi))
    assert results["submitted"] == 3 and results["maturity"] == {"1": 1, "2": 1, "3": 1}
    assert results["chapters"]["B"]["median"] == 50.0

    # a later campaign: its assessment shows the earlier one in its history
    ok(client.post(f"{SSI}/campaigns/{latest['id']}/close", headers=rssi))
    again = ok(client.post(f"{SSI}/campaigns", headers=rssi, json={
        **body, "name": "Flash 2027", "tenants": [tenants["x"].finess]}), 201)
    second = ok(client.get(f"{SSI}/assessments?campaign={again['id']}", headers=own["x"]))
    second_url = f"{SSI}/assessments/{second['items'][0]['id']}"
    ok(client.patch(second_url, headers=own["x"], json={"answers": {q: 2 for q in ANSWERS["y"]}}))
    done = ok(client.post(f"{second_url}/submit", headers=own["x"]))
    assert done["overall"] == 100.0 and done["comparison"]["out_of"] == 1
    assert [(h["campaign"], round(h["overall"], 4)) for h in done["history"]] == [
        ("Flash 2026", round(162.5 / 3, 4))]

    # reminders: a closed campaign reminds nobody; a late assessment is reminded once a day
    late_campaign = ok(client.post(f"{SSI}/campaigns", headers=rssi, json={
        **body, "name": "Late", "tenants": [tenants["y"].finess, tenants["z"].finess]}), 201)
    late_ids = ok(client.get(f"{SSI}/assessments?campaign={late_campaign['id']}", headers=rssi))
    z_late = next(a for a in late_ids["items"] if a["tenant"] == tenants["z"].finess)
    ok(client.patch(f"{SSI}/assessments/{z_late['id']}", headers=own["z"],
                    json={"answers": ANSWERS["z"]}))
    ok(client.post(f"{SSI}/assessments/{z_late['id']}/submit", headers=own["z"]))
    with database.transaction(scope=Scope.unrestricted()) as db:  # the deadline passes
        db.execute(update(Campaign).where(Campaign.id == late_campaign["id"])
                   .values(deadline=utcnow().date() - timedelta(days=1)))
    listed = ok(client.get(f"{SSI}/assessments?campaign={late_campaign['id']}", headers=rssi))
    assert {a["tenant"]: a["late"] for a in listed["items"]} == {
        tenants["y"].finess: True, tenants["z"].finess: False}
    for _ in range(2):
        accepted = ok(client.post(f"{SSI}/campaigns/{late_campaign['id']}/reminders",
                                  headers=rssi), 202)
        assert jobs.Worker(database).run_once() == accepted["job"]["id"]
    job = ok(client.get(f"/api/v1/jobs/{accepted['job']['id']}", headers=rssi))
    assert job["state"] == "succeeded"
    assert job["result"] == {"late": [tenants["y"].finess], "reminded": []}
    y_late = ok(client.get(f"{SSI}/assessments?campaign={late_campaign['id']}"
                           f"&tenant={tenants['y'].finess}", headers=rssi))["items"][0]
    assert y_late["reminders"] == 1 and y_late["last_reminded_on"] == utcnow().date().isoformat()
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        reminded = db.query(AuditRecord).filter(AuditRecord.action == "ssi.assessment.remind")
        assert [r.tenant_finess for r in reminded] == [tenants["y"].finess]
        assert db.get(Tenant, tenants["y"].id) is not None


def test_wrong_establishment_and_unknown_ids(
    checklists: None, client: TestClient, auth: TokenFactory, make_tenant: TenantFactory,
    tmp_path: Path,
) -> None:
    tenant = make_tenant()
    headers = auth(Role.ESTABLISHMENT, tenant)
    assert client.get(f"{SSI}/assessments/999", headers=headers).status_code == 404
    assert client.get(f"{SSI}/campaigns/999", headers=headers).status_code == 404
    assert client.post(f"{SSI}/assessments/999/submit", headers=headers).status_code == 404
