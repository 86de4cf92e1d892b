"""Each plane's card on the overview: its figure from the visitor's own data, an alert
style when something needs a human, and one plane failing never hides the others."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

import hosting.console
from controlplane.db import Database, Scope
from network.console.sla_view import current_month
from network.sla.models import SlaEvent
from tests.conftest import TenantFactory, TokenFactory
from tests.console.support import signed_in
from tests.hosting.factories import HostingFactory
from tests.network.factories import NetworkFactory


def _card(html: str, title: str) -> str:
    found = re.search(rf'<section class="card[^"]*"[^>]*>\s*<h2[^>]*><a href="[^"]+">{title}'
                      r"</a></h2>.*?</section>", html, re.S)
    assert found, f"no card {title}"
    return found.group(0)


def test_cards_count_what_each_visitor_may_see(
    client: TestClient, auth: TokenFactory, database: Database, make_tenant: TenantFactory
) -> None:
    own, other = make_tenant(), make_tenant()
    net = NetworkFactory(database)
    breaching, _ = net.circuit(own), net.circuit(other)
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.add(SlaEvent(circuit_id=breaching.id, tenant_id=own.id, period=current_month(),
                        metric="latency", target=20.0, measured=31.0))
    hosting = HostingFactory(database)
    hosting.request(own), hosting.request(other)

    signed_in(client, auth, "gcs-operator")
    html = client.get("/console/").text
    network = _card(html, "Réseau")
    assert 'class="card card-alert"' in network
    assert f'1 <span class="figure-unit">circuit(s) hors objectif SLA en {current_month()}' in (
        network)
    assert "2 site(s), 2 circuit(s)" in network
    assert "2 demande(s) en attente de décision" in _card(html, "Hébergement")
    assert "0 auto-évaluation(s) à compléter" in _card(html, "Sécurité \\(SSI\\)")

    client.cookies.clear()
    signed_in(client, auth, "establishment", other)
    mine = client.get("/console/").text
    assert 'class="card card-alert"' not in mine  # the breach is another tenant's
    assert "1 site(s), 1 circuit(s)" in _card(mine, "Réseau")
    assert "1 demande(s) en attente de décision" in _card(mine, "Hébergement")


def test_cards_follow_the_role(client: TestClient, auth: TokenFactory) -> None:
    signed_in(client, auth, "network-engineer")
    html = client.get("/console/").text
    assert _card(html, "Réseau")
    assert "Hébergement" not in html and "Sécurité (SSI)" not in html


def test_a_failing_plane_shows_as_unavailable_not_as_an_error(
    client: TestClient, auth: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(visitor: object) -> list[object]:
        raise RuntimeError("backup tables unreachable")

    monkeypatch.setattr(hosting.console, "overview_cards", broken)
    signed_in(client, auth, "gcs-operator")
    page = client.get("/console/")
    assert page.status_code == 200
    assert "données indisponibles" in _card(page.text, "Hébergement")
    assert _card(page.text, "Réseau")
