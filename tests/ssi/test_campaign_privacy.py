"""Diagnostic flash privacy: an establishment sees only the campaigns it takes part in
(another one is a 404, as another tenant's object) and a regional figure only when at
least ``SOCLE_SSI_MIN_GROUP_SIZE`` (default 5) establishments contribute to it; over
fewer, quartiles and rank would give its peers' exact scores back, so they are withheld
and the answer says why. The RSSI, operators and auditors see every figure; an
establishment always sees its own score.

mini-flash (tests/ssi/samples.py): scale 0..2 with "na"; chapter A = A1, A2; chapter B =
B1, B2, B3 (all "na": no chapter B score).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import utcnow
from controlplane.models import Tenant
from controlplane.settings import get_settings
from tests.conftest import TenantFactory, TokenFactory
from tests.console.support import signed_in
from tests.ssi.fixtures_assess import mini_flash  # noqa: F401

SSI = "/api/v1/ssi"
# Five answer profiles: overall 100, 0, 162.5/3, 250/3, 25/3 (maturity 3, 1, 2, 3, 1).
PROFILES: list[dict[str, Any]] = [
    {"A1": 2, "A2": 2, "B1": 2, "B2": 2, "B3": 2},
    {"A1": 0, "A2": 0, "B1": 0, "B2": 0, "B3": 0},
    {"A1": 2, "A2": 1, "B1": 2, "B2": 0, "B3": "na"},
    {"A1": 2, "A2": 2, "B1": 2, "B2": 2, "B3": 1},
    {"A1": 0, "A2": 0, "B1": 1, "B2": 0, "B3": 0},
]
NO_CHAPTER_B = {"A1": 2, "A2": 0, "B1": "na", "B2": "na", "B3": "na"}
REGIONAL_ROLES = (Role.RSSI, Role.GCS_OPERATOR, Role.AUDITOR)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def run_campaign(client: TestClient, auth: TokenFactory, name: str,
                 answers: dict[Tenant, dict[str, Any]]) -> tuple[int, dict[Tenant, int]]:
    """Open a campaign for the establishments of ``answers``, each answering and
    submitting its own; the campaign id and each establishment's assessment id."""
    deadline = (utcnow().date() + timedelta(days=14)).isoformat()
    campaign = ok(client.post(f"{SSI}/campaigns", headers=auth(Role.RSSI), json={
        "name": name, "framework_id": "mini-flash", "version": "1.0", "deadline": deadline,
        "tenants": [tenant.finess for tenant in answers]}), 201)
    ids = {}
    for tenant, given in answers.items():
        own = auth(Role.ESTABLISHMENT, tenant)
        (mine,) = ok(client.get(f"{SSI}/assessments?campaign={campaign['id']}",
                                headers=own))["items"]
        ok(client.patch(f"{SSI}/assessments/{mine['id']}", headers=own,
                        json={"answers": given}))
        ok(client.post(f"{SSI}/assessments/{mine['id']}/submit", headers=own))
        ids[tenant] = mine["id"]
    return campaign["id"], ids


@pytest.fixture
def tenants(mini_flash: Path, make_tenant: TenantFactory) -> list[Tenant]:  # noqa: F811
    """Six establishments (mini-flash loaded before the application starts)."""
    return [make_tenant(name=f"CH {index}") for index in range(6)]


def test_small_campaign_withholds_peer_figures_from_an_establishment(
    tenants: list[Tenant], client: TestClient, auth: TokenFactory,
) -> None:
    three = dict(zip(tenants[:3], PROFILES, strict=False))
    campaign_id, ids = run_campaign(client, auth, "Petite campagne", three)
    member = tenants[0]
    own = auth(Role.ESTABLISHMENT, member)

    results = ok(client.get(f"{SSI}/campaigns/{campaign_id}/results", headers=own))
    assert results["submitted"] == 3
    assert (results["overall"], results["chapters"], results["maturity"]) == (None, {}, {})
    assert "fewer than 5 establishments" in results["withheld"]
    assert "overall" in results["withheld"] and "maturity" in results["withheld"]

    mine = ok(client.get(f"{SSI}/assessments/{ids[member]}", headers=own))
    assert mine["score"] == 100.0 and mine["overall"] == 100.0  # its own score, always
    assert {c["id"]: c["score"] for c in mine["chapters"]} == {"A": 100.0, "B": 100.0}
    comparison = mine["comparison"]
    assert (comparison["overall"], comparison["rank"], comparison["chapters"]) == (None, None, {})
    assert comparison["out_of"] == 3
    assert "rank" in comparison["withheld"] and "fewer than 5" in comparison["withheld"]

    for role in REGIONAL_ROLES:
        full = ok(client.get(f"{SSI}/campaigns/{campaign_id}/results", headers=auth(role)))
        assert full["withheld"] is None, role
        assert full["overall"]["count"] == 3 and full["overall"]["max"] == 100.0
        assert full["maturity"] == {"1": 1, "2": 1, "3": 1}
        assert set(full["chapters"]) == {"A", "B"}
        seen = ok(client.get(f"{SSI}/assessments/{ids[member]}", headers=auth(role)))
        assert seen["comparison"]["rank"] == 1 and seen["comparison"]["withheld"] is None


def test_campaign_of_five_shows_regional_figures_to_an_establishment(
    tenants: list[Tenant], client: TestClient, auth: TokenFactory,
) -> None:
    five = dict(zip(tenants[:5], PROFILES, strict=True))
    campaign_id, ids = run_campaign(client, auth, "Campagne de cinq", five)
    own = auth(Role.ESTABLISHMENT, tenants[2])

    results = ok(client.get(f"{SSI}/campaigns/{campaign_id}/results", headers=own))
    assert results["withheld"] is None and results["submitted"] == 5
    assert results["overall"]["count"] == 5 and results["overall"]["median"] == pytest.approx(
        162.5 / 3)
    assert results["maturity"] == {"1": 2, "2": 1, "3": 2}
    assert set(results["chapters"]) == {"A", "B"}
    comparison = ok(client.get(f"{SSI}/assessments/{ids[tenants[2]]}",
                               headers=own))["comparison"]
    assert (comparison["rank"], comparison["out_of"], comparison["withheld"]) == (3, 5, None)


def test_a_chapter_too_few_establishments_scored_is_withheld(
    tenants: list[Tenant], client: TestClient, auth: TokenFactory,
) -> None:
    """Five submitted, but only four scored chapter B (one answered it all "na")."""
    answers = dict(zip(tenants[:5], [*PROFILES[:4], NO_CHAPTER_B], strict=True))
    campaign_id, _ = run_campaign(client, auth, "Chapitre B incomplet", answers)
    own = auth(Role.ESTABLISHMENT, tenants[0])
    results = ok(client.get(f"{SSI}/campaigns/{campaign_id}/results", headers=own))
    assert results["overall"]["count"] == 5 and set(results["chapters"]) == {"A"}
    assert "chapter B" in results["withheld"] and "overall" not in results["withheld"]
    rssi = ok(client.get(f"{SSI}/campaigns/{campaign_id}/results", headers=auth(Role.RSSI)))
    assert rssi["chapters"]["B"]["count"] == 4 and rssi["withheld"] is None


def test_min_group_size_is_a_setting(
    tenants: list[Tenant], client: TestClient, auth: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    three = dict(zip(tenants[:3], PROFILES, strict=False))
    campaign_id, _ = run_campaign(client, auth, "Seuil abaissé", three)
    monkeypatch.setenv("SOCLE_SSI_MIN_GROUP_SIZE", "3")
    get_settings.cache_clear()
    own = auth(Role.ESTABLISHMENT, tenants[1])
    results = ok(client.get(f"{SSI}/campaigns/{campaign_id}/results", headers=own))
    assert results["withheld"] is None and results["overall"]["count"] == 3


def test_an_establishment_reads_only_the_campaigns_it_takes_part_in(
    tenants: list[Tenant], client: TestClient, auth: TokenFactory,
) -> None:
    theirs, _ = run_campaign(client, auth, "Sans moi", {tenants[0]: PROFILES[0]})
    mine, _ = run_campaign(client, auth, "Avec moi", {tenants[5]: PROFILES[1]})
    outsider = auth(Role.ESTABLISHMENT, tenants[5])

    listed = ok(client.get(f"{SSI}/campaigns", headers=outsider))
    assert [c["id"] for c in listed["items"]] == [mine] and listed["total"] == 1
    csv = client.get(f"{SSI}/campaigns?format=csv", headers=outsider)
    assert csv.status_code == 200 and "Avec moi" in csv.text and "Sans moi" not in csv.text
    assert client.get(f"{SSI}/campaigns/{theirs}", headers=outsider).status_code == 404
    assert client.get(f"{SSI}/campaigns/{theirs}/results", headers=outsider).status_code == 404
    assert ok(client.get(f"{SSI}/campaigns/{mine}", headers=outsider))["name"] == "Avec moi"

    everything = ok(client.get(f"{SSI}/campaigns", headers=auth(Role.RSSI)))
    assert {c["id"] for c in everything["items"]} == {theirs, mine}


def test_console_withholds_the_comparison_and_lists_only_its_campaigns(
    tenants: list[Tenant], client: TestClient, auth: TokenFactory,
) -> None:
    _, ids = run_campaign(client, auth, "Petite campagne", dict(
        zip(tenants[:3], PROFILES, strict=False)))
    run_campaign(client, auth, "Sans moi", {tenants[4]: PROFILES[0]})
    signed_in(client, auth, "establishment", tenants[0])
    listing = client.get("/console/ssi").text
    assert "Petite campagne" in listing and "Sans moi" not in listing
    page = client.get(f"/console/ssi/assessments/{ids[tenants[0]]}").text
    assert "100/100" in page  # its own score
    assert "rang " not in page and "médiane" not in page
    assert "n’est affichée qu’à partir de 5 établissements" in page

    client.cookies.clear()
    signed_in(client, auth, "rssi")
    assert "rang 1 sur 3" in client.get(f"/console/ssi/assessments/{ids[tenants[0]]}").text
