"""A network engineer sees a dead site on the network page within one poll cycle: a
``circuit-down`` fault injected in the simulated region (snmpsim agents and a probe
reflector behind the fault relays), one cycle and probe round, and the site's tile says
*Hors service* while the other site stays *En service*; cleared, it is back in service
after the next cycle."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import expect

from controlplane.db import Database
from controlplane.faults import FaultBook
from network.sim.snmp_agents import SimulatedAgents
from tests.conftest import TenantFactory, TokenFactory
from tests.console.browser.actions import sign_in
from tests.console.support import secret_of
from tests.faults.conftest import sim_fault
from tests.faults.network_region import (  # noqa: F401  (fixtures)
    agents_fixture,
    book_fixture,
    make_sites,
    observe,
    reflector_ports,
    region_faults_fixture,
)


def test_a_site_under_a_fault_shows_down_within_one_cycle(
    live_server: str, page: Any, client: TestClient, database: Database,
    make_tenant: TenantFactory, auth: TokenFactory, agents: SimulatedAgents, book: FaultBook,
) -> None:
    with reflector_ports(book) as ports:
        sites = make_sites(client, database, make_tenant, auth, agents, ports)
        observe(database, agents)
        sign_in(page, live_server, secret_of(auth("network-engineer")))
        page.goto(f"{live_server}/console/network")
        dead = page.get_by_role("listitem").filter(has_text=sites.first_site)
        alive = page.get_by_role("listitem").filter(has_text=sites.second_site)
        expect(dead.get_by_label("Maintenant")).to_have_text("En service")

        fault = sim_fault("inject", "circuit-down", sites.first_site, "--json")
        observe(database, agents)  # one cycle
        page.reload()
        expect(dead.get_by_label("Maintenant")).to_have_text("Hors service")
        expect(alive.get_by_label("Maintenant")).to_have_text("En service")
        expect(page.get_by_role("list", name="Résumé")).to_contain_text(
            "Hors service maintenant : 1 site")

        sim_fault("clear", fault["id"])
        observe(database, agents)
        page.reload()
        expect(dead.get_by_label("Maintenant")).to_have_text("En service")
