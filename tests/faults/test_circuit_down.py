"""``circuit-down`` and ``slow-link`` on real peers (snmpsim agents, the probe reflector,
both behind the relays the faults act on): a dead single-homed site is *down* in the SLA
figures (its agent and probe target silent while another site answers in the same
cycle), with its breach and penalty; cleared, its next minute is up again; a slow link
shows in the probe figures while its device still answers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.faults import FaultBook
from controlplane.relay import UdpRelay
from controlplane.settings import Settings
from network.inventory.schemas import CircuitRead
from network.polling import metrics
from network.probes.reflector import Reflector
from network.probes.rounds import probe_round
from network.sim.fault_kinds import BEHAVIOURS
from network.sim.snmp_agents import SimulatedAgents
from network.sla import contracts, service
from network.sla.period import TIMEZONE
from network.sla.schemas import ContractCreate
from tests.conftest import TenantFactory, TokenFactory
from tests.faults.conftest import sim_fault
from tests.network.factories import NetworkFactory
from tests.network.test_polling import _warm_up, credentials, run_cycles

NET = "/api/v1/network"
STEADY = 2  # an interface of the agents that stays up


@pytest.fixture(name="book", scope="module")
def book_fixture(tmp_path_factory: pytest.TempPathFactory) -> FaultBook:
    return FaultBook(tmp_path_factory.mktemp("faults") / "faults.json")


@pytest.fixture(name="agents", scope="module")
def agents_fixture(book: FaultBook) -> Iterator[SimulatedAgents]:
    with SimulatedAgents(2, 4, processes=1, flap_period=1e9, flap_down=1e9 - 1,
                         faults=book) as running:
        asyncio.run(_warm_up(running))
        yield running


@pytest.fixture(autouse=True)
def _region_faults(book: FaultBook, settings: Settings) -> Iterator[None]:
    book.path = FaultBook.of_region(Path(settings.data_dir)).path
    metrics.LIVE.clear()
    yield
    metrics.LIVE.clear()


@dataclass
class Sites:
    dead: CircuitRead  # its site will die
    alive: CircuitRead
    dead_site: str


def _sites(client: TestClient, database: Database, tenant_factory: TenantFactory,
           auth: TokenFactory, agents: SimulatedAgents, probe_ports: list[int]) -> Sites:
    """Two single-homed sites, each router polled at its agent and its circuit probed at its
    own reflector port, and an SLA contract for their class."""
    net = NetworkFactory(database)
    tenant = tenant_factory()
    provider = net.provider()
    operator = auth(Role.NETWORK_ENGINEER)
    made = []
    for agent, port in zip(agents.agents, probe_ports, strict=True):
        site = net.site(tenant)
        device = net.device(site)
        circuit = net.circuit(tenant, provider=provider, site=site, a_device=device.hostname)
        assert client.put(f"{NET}/monitors/devices/{device.hostname}", headers=operator,
                          json={"snmp_host": agent.host, "snmp_port": agent.port}
                          ).status_code == 200
        assert client.put(f"{NET}/monitors/circuits/{circuit.ref}", headers=operator,
                          json={"if_index": STEADY, "probe_host": "127.0.0.1",
                                "probe_port": port}).status_code == 200
        made.append((site, circuit))
    with database.transaction(scope=Scope.unrestricted()) as db:
        contracts.create_contract(db, ContractCreate(
            provider=provider.name, sla_class=made[0][1].sla_class, availability_pct=99.9,
            latency_p95_ms=50, jitter_p95_ms=10, loss_pct=1, monthly_fee_cents=100_000),
            actor="tests")
    return Sites(dead=made[0][1], alive=made[1][1], dead_site=made[0][0].code)


def _observe(database: Database, agents: SimulatedAgents) -> None:
    """One poll cycle and one probe round, as the poller job runs them."""
    run_cycles(database, credentials(agents), timeout=0.5)
    asyncio.run(probe_round(database, count=5, interval=0.002, timeout=0.5))


def _month() -> str:
    """This month (Europe/Paris), as the SLA speaks of it."""
    return f"{datetime.now(UTC).astimezone(TIMEZONE):%Y-%m}"


def _line(database: Database, ref: str) -> dict:
    """The month's figures of the circuit (all unknown when nothing was recorded)."""
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        found = service.report(db, _month(), circuit=ref)
    if not found.lines:
        return {"down_minutes": 0, "measured_minutes": 0, "availability_pct": None,
                "breaches": []}
    (line,) = found.lines
    return line.model_dump()


async def _with_reflector(book: FaultBook, body) -> None:  # type: ignore[no-untyped-def]
    async with Reflector() as reflector:
        relays = [UdpRelay(reflector.host, reflector.port, faults=book,
                           behaviours=BEHAVIOURS).start() for _ in range(2)]
        try:
            await asyncio.to_thread(body, [r.port for r in relays])
        finally:
            for relay in relays:
                relay.stop()


def test_a_dead_site_is_down_and_breaches_and_comes_back(
    client: TestClient, database: Database, make_tenant: TenantFactory, auth: TokenFactory,
    agents: SimulatedAgents, book: FaultBook,
) -> None:
    def scenario(ports: list[int]) -> None:
        sites = _sites(client, database, make_tenant, auth, agents, ports)
        fault = sim_fault("inject", "circuit-down", sites.dead_site, "--json")
        assert f"127.0.0.1:{ports[0]}" in fault["selectors"]["endpoint"]
        assert f"127.0.0.1:{agents.agents[0].port}" in fault["selectors"]["endpoint"]
        _observe(database, agents)

        dead, alive = _line(database, sites.dead.ref), _line(database, sites.alive.ref)
        # every minute it was observed in is down (one, or two if the minute turned)
        assert dead["down_minutes"] >= 1 and dead["measured_minutes"] == dead["down_minutes"]
        assert dead["availability_pct"] == 0.0 and "availability" in dead["breaches"]
        assert (alive["down_minutes"], alive["availability_pct"]) == (0, 100.0)
        with database.session(scope=Scope.unrestricted(), write=False) as db:
            period = _month()
            (breach,) = [b for b in service.breaches(db, period, period)
                         if b.circuit == sites.dead.ref and b.metric == "availability"]
        assert breach.penalty_cents > 0
        devices = client.get(f"{NET}/monitors/devices", headers=auth(Role.GCS_OPERATOR)).json()
        states = {d["device"]: (d["state"], d["reason"]) for d in devices["items"]}
        assert ("unreachable", "timeout") in states.values() and ("ok", None) in states.values()

        sim_fault("clear", fault["id"])
        _observe(database, agents)  # the site answers again: its minute is up
        back = _line(database, sites.dead.ref)
        assert back["measured_minutes"] > back["down_minutes"]
        assert back["down_minutes"] <= dead["down_minutes"]

    asyncio.run(_with_reflector(book, scenario))


def test_a_slow_link_shows_in_the_probes_and_the_device_still_answers(
    client: TestClient, database: Database, make_tenant: TenantFactory, auth: TokenFactory,
    agents: SimulatedAgents, book: FaultBook,
) -> None:
    def scenario(ports: list[int]) -> None:
        sites = _sites(client, database, make_tenant, auth, agents, ports)
        sim_fault("inject", "slow-link", sites.dead.ref, "--delay-ms", "120", "--loss-pct",
                  "0", "--json")
        _observe(database, agents)
        slow, alive = _line(database, sites.dead.ref), _line(database, sites.alive.ref)
        assert slow["rtt_p95_ms"] >= 120 > alive["rtt_p95_ms"]
        assert slow["down_minutes"] == 0 and slow["availability_pct"] == 100.0
        assert "latency" in slow["breaches"]

    asyncio.run(_with_reflector(book, scenario))


def test_when_nothing_answers_at_all_the_minutes_stay_unknown(
    client: TestClient, database: Database, make_tenant: TenantFactory, auth: TokenFactory,
    agents: SimulatedAgents, book: FaultBook,
) -> None:
    # Every site silent at once: the collector's own network is suspect, not the sites.
    def scenario(ports: list[int]) -> None:
        sites = _sites(client, database, make_tenant, auth, agents, ports)
        for circuit in (sites.dead, sites.alive):
            sim_fault("inject", "circuit-down", circuit.ref, "--json")
        _observe(database, agents)
        for circuit in (sites.dead, sites.alive):
            line = _line(database, circuit.ref)
            assert (line["down_minutes"], line["measured_minutes"]) == (0, 0)
            assert line["availability_pct"] is None and line["breaches"] == []

    asyncio.run(_with_reflector(book, scenario))
