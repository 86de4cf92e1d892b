"""A full EBIOS RM study through the API, workshop by workshop, checked against a
hand-computed analysis (risk levels, 4×4 matrices before and after treatment, stakeholder
threats, relevance, plan progress); bad references refused whole, naming the field."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database
from controlplane.finess import make_finess
from tests.apps.factories import AppsFactory
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import HostingFactory
from tests.network.factories import NetworkFactory

STUDIES = "/api/v1/ssi/risk-studies"
LATER = "2099-12-31"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def fields(problem: dict[str, Any]) -> set[str]:
    return {error["field"] for error in problem["errors"]}


def test_full_ebios_study(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    tenant, other = make_tenant(), make_tenant()
    net, hosting = NetworkFactory(database), HostingFactory(database)
    circuit, site = net.circuit(tenant), net.site(tenant)
    foreign_circuit = net.circuit(other)
    subscription = hosting.subscription(tenant)
    AppsFactory(database).enrolment(tenant, "identity")
    rssi, own, others = auth(Role.RSSI), auth(Role.ESTABLISHMENT, tenant), auth(
        Role.ESTABLISHMENT, other)

    # workshop 1: scope, business values, supporting assets (on real Socle resources)
    workshop1 = {
        "business_values": [
            {"id": "VM1", "name": "Prise en charge des urgences"},
            {"id": "VM2", "name": "Dossier patient", "nature": "information"}],
        "supporting_assets": [
            {"id": "BS1", "name": "Lien MPLS du site principal", "business_values": ["VM1", "VM2"],
             "resource": {"kind": "circuit", "key": circuit.ref}},
            {"id": "BS2", "name": "Site principal", "resource": {"kind": "site", "key": site.code}},
            {"id": "BS3", "name": "Sauvegardes externalisées",
             "resource": {"kind": "subscription", "key": str(subscription.id)}},
            {"id": "BS4", "name": "Identité régionale et authentification",
             "resource": {"kind": "workload", "key": "identity"}}],
        "feared_events": [
            {"id": "ER1", "business_value": "VM2", "impact": "DPI indisponible 24 h",
             "severity": 4},
            {"id": "ER2", "business_value": "VM2", "impact": "Fuite de données", "severity": 3}],
    }
    body = {"tenant": tenant.finess, "title": "Étude 2026", "scope": "SI de production",
            "content": workshop1}
    assert client.post(STUDIES, headers=own, json=body).status_code == 403
    unknown = ok(client.post(STUDIES, headers=rssi, json={
        **body, "tenant": make_finess("69", 999_999)}), 422)
    assert fields(unknown) == {"tenant"}
    foreign = {**workshop1, "supporting_assets": [
        {"id": "BS1", "name": "x", "resource": {"kind": "circuit", "key": foreign_circuit.ref}}]}
    refused = ok(client.post(STUDIES, headers=rssi, json={**body, "content": foreign}), 422)
    assert fields(refused) == {"supporting_assets[0].resource.key"}
    unused = {**workshop1, "supporting_assets": [  # a regional service it is not enrolled in
        {"id": "BS1", "name": "x", "resource": {"kind": "workload", "key": "telemedicine"}}]}
    refused = ok(client.post(STUDIES, headers=rssi, json={**body, "content": unused}), 422)
    assert fields(refused) == {"supporting_assets[0].resource.key"}
    study = ok(client.post(STUDIES, headers=rssi, json=body), 201)
    ok(client.post(STUDIES, headers=rssi, json=body), 409)
    url = f"{STUDIES}/{study['id']}"
    assert study["analysis"]["unlinked_resources"] == []

    # bad updates are refused whole, naming each field
    dangling = ok(client.patch(url, headers=rssi, json={"feared_events": [
        {"id": "ER1", "business_value": "VM9", "impact": "x", "severity": 2},
        {"id": "VM1", "business_value": "VM1", "impact": "y", "severity": 2}],
        "title": "renamed"}), 422)
    assert fields(dangling) == {"feared_events[0].business_value", "feared_events[1].id"}
    off_scale = ok(client.patch(url, headers=rssi, json={"feared_events": [
        {"id": "ER1", "business_value": "VM1", "impact": "x", "severity": 5}]}), 422)
    assert any("severity" in field for field in fields(off_scale))
    kept = ok(client.get(url, headers=own))
    assert kept["title"] == "Étude 2026" and kept["content"]["feared_events"][0]["severity"] == 4

    # workshops 2-4: risk sources, stakeholders, strategic and operational scenarios
    ok(client.patch(url, headers=rssi, json={
        "risk_sources": [
            {"id": "SR1", "source": "Cybercriminel", "objective": "Rançon",
             "motivation": 4, "resources": 3, "activity": 4},
            {"id": "SR2", "source": "Prestataire négligent", "objective": "Erreur",
             "motivation": 2, "resources": 2, "activity": 1, "retained": False}],
        "stakeholders": [
            {"id": "PP1", "name": "Infogérant", "dependency": 4, "penetration": 4,
             "maturity": 2, "trust": 2},
            {"id": "PP2", "name": "Éditeur DPI", "dependency": 3, "penetration": 2,
             "maturity": 3, "trust": 3},
            {"id": "PP3", "name": "Opérateur", "dependency": 2, "penetration": 2,
             "maturity": 2, "trust": 2}],
    }))
    ok(client.patch(url, headers=rssi, json={
        "strategic_scenarios": [
            {"id": "SS1", "risk_source": "SR1", "feared_events": ["ER1"],
             "stakeholders": ["PP1"], "likelihood": 2},
            {"id": "SS2", "risk_source": "SR1", "feared_events": ["ER2"], "likelihood": 2},
            {"id": "SS3", "risk_source": "SR2", "feared_events": ["ER1"], "likelihood": 1}],
        "operational_scenarios": [
            {"id": "SO1", "strategic_scenario": "SS1", "supporting_assets": ["BS1", "BS3"],
             "description": "Rançongiciel par l'accès distant de l'infogérant", "likelihood": 3},
            {"id": "SO2", "strategic_scenario": "SS1", "supporting_assets": ["BS2"],
             "description": "Intrusion physique", "likelihood": 2}],
    }))
    # a scenario cannot be removed while operational scenarios still point to it
    orphan = ok(client.patch(url, headers=rssi, json={"strategic_scenarios": []}), 422)
    assert fields(orphan) == {"operational_scenarios[0].strategic_scenario",
                              "operational_scenarios[1].strategic_scenario"}

    # workshop 5: treatment decisions and the measures of the plan
    done = ok(client.patch(url, headers=rssi, json={
        "state": "validated",
        "treatments": [{"scenario": "SS1", "option": "reduce"},
                       {"scenario": "SS2", "option": "transfer"},
                       {"scenario": "SS3", "option": "avoid", "justification": "contrat revu"}],
        "measures": [
            {"id": "M1", "title": "MFA sur l'accès distant", "owner": "DSI",
             "deadline": "2020-01-01", "status": "in_progress", "scenarios": ["SS1"]},
            {"id": "M2", "title": "Sauvegarde immuable hors ligne", "owner": "DSI",
             "deadline": LATER, "status": "done", "scenarios": ["SS1"],
             "reduces_likelihood": 0, "reduces_severity": 2},
            {"id": "M3", "title": "Assurance cyber", "owner": "Direction", "deadline": LATER,
             "scenarios": ["SS2"], "reduces_likelihood": 0, "reduces_severity": 1},
            {"id": "M4", "title": "Abandonnée", "owner": "DSI", "deadline": LATER,
             "status": "abandoned", "scenarios": ["SS1"], "reduces_likelihood": 3}],
    }))
    assert done["state"] == "validated"
    analysis = done["analysis"]
    risks = {r["scenario"]: r for r in analysis["risks"]}
    # SS1: severity 4 (ER1), likelihood 3 (max of SO1, SO2) → 12 élevé; after M1 (-1 V)
    # and M2 (-2 G), M4 abandoned: G2 V2 → moyen
    assert (risks["SS1"]["severity"], risks["SS1"]["likelihood"], risks["SS1"]["level"]) == (
        4, 3, "élevé")
    assert (risks["SS1"]["residual_severity"], risks["SS1"]["residual_likelihood"],
            risks["SS1"]["residual_level"], risks["SS1"]["measures"]) == (2, 2, "moyen",
                                                                           ["M1", "M2"])
    # SS2: G3 V2 (declared) → 6 moyen; insurance -1 G → G2 V2 moyen
    assert (risks["SS2"]["level"], risks["SS2"]["residual_severity"],
            risks["SS2"]["residual_likelihood"]) == ("moyen", 2, 2)
    # SS3: G4 V1 → 4 moyen, avoided
    assert (risks["SS3"]["level"], risks["SS3"]["residual_level"],
            risks["SS3"]["residual_severity"]) == ("moyen", "évité", None)
    empty = [[[] for _ in range(4)] for _ in range(4)]
    initial = [row[:] for row in empty]
    initial[3][2], initial[2][1], initial[3][0] = ["SS1"], ["SS2"], ["SS3"]
    assert analysis["matrix"] == initial
    residual = [row[:] for row in empty]
    residual[1][1] = ["SS1", "SS2"]
    assert analysis["residual_matrix"] == residual
    assert {s["id"]: (s["threat"], s["zone"]) for s in analysis["stakeholders"]} == {
        "PP1": (4.0, "danger"), "PP2": (0.6667, "veille"), "PP3": (1.0, "contrôle")}
    assert {s["id"]: s["relevance"] for s in analysis["risk_sources"]} == {"SR1": 4, "SR2": 2}
    assert analysis["measures"] == {
        "by_status": {"in_progress": 1, "done": 1, "planned": 1, "abandoned": 1},
        "overdue": ["M1"]}

    # the establishment reads its own study; another establishment gets 404
    assert ok(client.get(url, headers=own))["analysis"] == analysis
    assert client.get(url, headers=others).status_code == 404
    assert ok(client.get(STUDIES, headers=others))["total"] == 0
    listed = ok(client.get(f"{STUDIES}?tenant={tenant.finess}", headers=rssi))
    assert [s["title"] for s in listed["items"]] == ["Étude 2026"]


def test_a_title_longer_than_its_column_is_refused(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    """The title column is VARCHAR(200): 201-300 characters were a 500 on PostgreSQL (the
    API fuzzer, through its PostgreSQL-strict flushes on SQLite); 200 are stored."""
    rssi, tenant = auth(Role.RSSI), make_tenant()
    long = ok(client.post(STUDIES, headers=rssi, json={"tenant": tenant.finess,
                                                       "title": "t" * 201}), 422)
    assert fields(long) == {"title"}
    study = ok(client.post(STUDIES, headers=rssi, json={"tenant": tenant.finess,
                                                        "title": "t" * 200}), 201)
    renamed = ok(client.patch(f"{STUDIES}/{study['id']}", headers=rssi, json={"title": "r" * 299}),
                 422)
    assert fields(renamed) == {"title"}


def test_a_field_set_to_null_is_refused_naming_it_and_changes_nothing(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    """A section given as null was a 500 (the whole study revalidated with None in it)."""
    rssi, tenant = auth(Role.RSSI), make_tenant()
    study = ok(client.post(STUDIES, headers=rssi, json={"tenant": tenant.finess,
                                                        "title": "null sections"}), 201)
    url = f"{STUDIES}/{study['id']}"
    ok(client.patch(url, headers=rssi, json={"business_values": [
        {"id": "VM1", "name": "Dossier patient", "nature": "information"}]}))
    before = ok(client.get(url, headers=rssi))
    for field in ("business_values", "measures", "title", "state"):
        refused = ok(client.patch(url, headers=rssi, json={field: None, "scope": "s"}), 422)
        assert fields(refused) == {field}
        assert "leave the field out" in refused["errors"][0]["message"]
    assert ok(client.get(url, headers=rssi)) == before
    emptied = ok(client.patch(url, headers=rssi, json={"business_values": []}))
    assert emptied["content"]["business_values"] == []
