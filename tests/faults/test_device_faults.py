"""Faults of one device, on real peers (snmpsim agents and a probe reflector behind the
region's relays):

- ``snmp-auth``: the agent refuses Socle's credentials while the site works: the device
  is unreachable for *auth* (its own alert), and its circuit is **not down**: its probes
  answer, so its minutes are up;
- ``interface-down``: the interface reads down while the device still answers: the
  circuit's minutes are down, with the breach, and up again once cleared;
- a dead site inside a maintenance window: its minutes are left out of the SLA and the
  live figures say the circuit is in maintenance (the alert rules stay quiet on it).
"""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database, utcnow
from controlplane.faults import FaultBook
from network.sim.snmp_agents import SimulatedAgents
from tests.conftest import TenantFactory, TokenFactory
from tests.faults.conftest import sim_fault
from tests.faults.network_region import (  # noqa: F401  (fixtures)
    NET,
    STEADY,
    agents_fixture,
    book_fixture,
    live,
    make_sites,
    observe,
    region_faults_fixture,
    sla_line,
    until,
    with_reflector,
)


def _monitor_states(client: TestClient, auth: TokenFactory) -> dict[str, tuple[str, str | None]]:
    devices = client.get(f"{NET}/monitors/devices", headers=auth(Role.GCS_OPERATOR)).json()
    return {d["device"]: (d["state"], d["reason"]) for d in devices["items"]}


def test_a_device_refusing_the_credentials_is_not_a_circuit_down(
    client: TestClient, database: Database, make_tenant: TenantFactory, auth: TokenFactory,
    agents: SimulatedAgents, book: FaultBook,
) -> None:
    def scenario(ports: list[int]) -> None:
        sites = make_sites(client, database, make_tenant, auth, agents, ports)
        refusing = sites.routers[0].hostname
        fault = sim_fault("inject", "snmp-auth", refusing, "--json")
        assert fault["selectors"] == {"endpoint": [f"127.0.0.1:{agents.agents[0].port}"]}
        observe(database, agents)

        assert _monitor_states(client, auth)[refusing] == ("unreachable", "auth")
        line = sla_line(database, sites.first.ref)
        assert line["down_minutes"] == 0 and line["measured_minutes"] >= 1  # probes answered
        assert line["availability_pct"] == 100.0 and "availability" not in line["breaches"]
        assert live("socle_device_snmp_up", device=refusing, reason="auth") == 0
        assert live("socle_circuit_up", circuit=sites.first.ref) == 1

        sim_fault("clear", fault["id"])
        observe(database, agents)
        assert _monitor_states(client, auth)[refusing] == ("ok", None)
        assert live("socle_device_snmp_up", device=refusing, reason="") == 1

    with_reflector(book, scenario)


def test_an_interface_down_downs_its_circuit_while_the_device_answers(
    client: TestClient, database: Database, make_tenant: TenantFactory, auth: TokenFactory,
    agents: SimulatedAgents, book: FaultBook,
) -> None:
    def scenario(ports: list[int]) -> None:
        sites = make_sites(client, database, make_tenant, auth, agents, ports)
        router = sites.routers[0].hostname
        # unknown interface names are refused with what to give instead
        refused = sim_fault("inject", "interface-down", router, "--interface", "Gi0/9",
                            code=2)
        assert "give its" in refused and "ifIndex" in refused
        fault = sim_fault("inject", "interface-down", router, "--interface",
                          "GigabitEthernet0/2", "--json")
        assert fault["selectors"] == {
            "interface": [f"127.0.0.1:{agents.agents[0].port}/{STEADY}"],
            "endpoint": [f"127.0.0.1:{ports[0]}"]}
        first_agent = agents.agents[0].name
        until(lambda: agents.held_down(first_agent) == {STEADY}, "the agent holds it down")
        observe(database, agents)

        assert _monitor_states(client, auth)[router] == ("ok", None)  # it still answers
        assert live("socle_interface_oper_up", device=router, if_index=str(STEADY)) == 0
        assert live("socle_circuit_up", circuit=sites.first.ref) == 0
        down, other = sla_line(database, sites.first.ref), sla_line(database, sites.second.ref)
        assert down["down_minutes"] >= 1 and down["down_minutes"] == down["measured_minutes"]
        assert "availability" in down["breaches"]
        assert (other["down_minutes"], other["availability_pct"]) == (0, 100.0)

        sim_fault("clear", fault["id"])
        until(lambda: not agents.held_down(first_agent), "the agent lets it up")
        observe(database, agents)
        assert live("socle_circuit_up", circuit=sites.first.ref) == 1
        assert live("socle_interface_oper_up", device=router, if_index=str(STEADY)) == 1

    with_reflector(book, scenario)


def test_a_dead_site_in_maintenance_is_left_out(
    client: TestClient, database: Database, make_tenant: TenantFactory, auth: TokenFactory,
    agents: SimulatedAgents, book: FaultBook,
) -> None:
    def scenario(ports: list[int]) -> None:
        sites = make_sites(client, database, make_tenant, auth, agents, ports)
        now = utcnow()
        window = client.post(f"{NET}/maintenances", headers=auth(Role.NETWORK_ENGINEER), json={
            "circuit": sites.first.ref, "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(), "reason": "fibre splicing"})
        assert window.status_code == 201, window.text
        sim_fault("inject", "circuit-down", sites.first_site, "--json")
        observe(database, agents)

        # the minute is recorded down, but the window takes it out of the figures
        line = sla_line(database, sites.first.ref)
        assert (line["down_minutes"], line["measured_minutes"]) == (0, 0)
        assert line["breaches"] == [] and line["maintenance_minutes"] >= 60
        assert live("socle_circuit_up", circuit=sites.first.ref) == 0
        assert live("socle_circuit_in_maintenance", circuit=sites.first.ref) == 1
        assert live("socle_circuit_in_maintenance", circuit=sites.second.ref) == 0

    with_reflector(book, scenario)
