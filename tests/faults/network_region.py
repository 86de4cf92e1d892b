"""A small simulated network region for the fault tests: two single-homed sites, each
router polled at its own snmpsim agent and its circuit probed at its own reflector port,
all behind the relays the region's faults act on, and an SLA contract for their class.

Test modules import the fixtures they use (``book``, ``agents``, ``region_faults``) and
run their scenario inside :func:`with_reflector`, which gives the probe ports."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.faults import FaultBook
from controlplane.relay import UdpRelay
from controlplane.settings import Settings
from network.inventory.schemas import CircuitRead, DeviceRead
from network.polling import metrics
from network.probes.reflector import Reflector
from network.probes.rounds import probe_round
from network.sim.fault_kinds import BEHAVIOURS
from network.sim.snmp_agents import SimulatedAgents
from network.sla import contracts, service
from network.sla.period import TIMEZONE
from network.sla.schemas import ContractCreate
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory
from tests.network.test_polling import _warm_up, credentials, run_cycles

T = TypeVar("T")
NET = "/api/v1/network"
STEADY = 2  # an interface of the agents that stays up


@pytest.fixture(name="book", scope="module")
def book_fixture(tmp_path_factory: pytest.TempPathFactory) -> FaultBook:
    """The faults the module's simulators read (pointed at each test's region)."""
    return FaultBook(tmp_path_factory.mktemp("faults") / "faults.json")


@pytest.fixture(name="agents", scope="module")
def agents_fixture(book: FaultBook) -> Iterator[SimulatedAgents]:
    """Two snmpsim agents (four interfaces, none flapping) behind fault relays."""
    with SimulatedAgents(2, 4, processes=1, flap_period=1e9, flap_down=1e9 - 1,
                         faults=book) as running:
        off_loop(lambda: asyncio.run(_warm_up(running)))
        yield running


@pytest.fixture(name="region_faults", autouse=True)
def region_faults_fixture(book: FaultBook, settings: Settings) -> Iterator[None]:
    """The simulators follow the faults of this test's region (``socle sim fault``)."""
    book.path = FaultBook.of_region(Path(settings.data_dir)).path
    metrics.LIVE.clear()
    yield
    metrics.LIVE.clear()


@dataclass
class Sites:
    """The region's two sites: their circuits, site codes and routers."""

    first: CircuitRead
    second: CircuitRead
    first_site: str
    second_site: str
    routers: tuple[DeviceRead, DeviceRead]


def make_sites(client: TestClient, database: Database, tenant_factory: TenantFactory,
               auth: TokenFactory, agents: SimulatedAgents, probe_ports: list[int]) -> Sites:
    """Two single-homed sites, each router polled at its agent and its circuit probed at
    its own reflector port, and an SLA contract for their class."""
    net = NetworkFactory(database)
    tenant = tenant_factory()
    provider = net.provider()
    operator = auth(Role.NETWORK_ENGINEER)
    made = []
    for agent, port in zip(agents.agents, probe_ports, strict=True):
        site = net.site(tenant)
        device = net.device(site)
        circuit = net.circuit(tenant, provider=provider, site=site, a_device=device.hostname,
                              a_interface="GigabitEthernet0/2")
        assert client.put(f"{NET}/monitors/devices/{device.hostname}", headers=operator,
                          json={"snmp_host": agent.host, "snmp_port": agent.port}
                          ).status_code == 200
        assert client.put(f"{NET}/monitors/circuits/{circuit.ref}", headers=operator,
                          json={"if_index": STEADY, "probe_host": "127.0.0.1",
                                "probe_port": port}).status_code == 200
        made.append((site, device, circuit))
    with database.transaction(scope=Scope.unrestricted()) as db:
        contracts.create_contract(db, ContractCreate(
            provider=provider.name, sla_class=made[0][2].sla_class, availability_pct=99.9,
            latency_p95_ms=50, jitter_p95_ms=10, loss_pct=1, monthly_fee_cents=100_000),
            actor="tests")
    return Sites(first=made[0][2], second=made[1][2], first_site=made[0][0].code,
                 second_site=made[1][0].code, routers=(made[0][1], made[1][1]))


def until(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    """Wait for a simulator to follow a fault (they re-read the faults file often)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds:g} s")
        time.sleep(0.05)


def off_loop(work: Callable[[], T]) -> T:
    """``work()`` on a thread of its own, so that it may run an event loop even where the
    caller's thread has one running (Playwright's sync API keeps one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()


def observe(database: Database, agents: SimulatedAgents) -> None:
    """One poll cycle and one probe round, as the poller job runs them."""

    def cycle_and_round() -> None:
        run_cycles(database, credentials(agents), timeout=0.5)
        asyncio.run(probe_round(database, count=5, interval=0.002, timeout=0.5))

    off_loop(cycle_and_round)


def month() -> str:
    """This month (Europe/Paris), as the SLA speaks of it."""
    return f"{datetime.now(UTC).astimezone(TIMEZONE):%Y-%m}"


def sla_line(database: Database, ref: str) -> dict[str, Any]:
    """The month's figures of the circuit (all unknown when nothing was recorded)."""
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        found = service.report(db, month(), circuit=ref)
    if not found.lines:
        return {"down_minutes": 0, "measured_minutes": 0, "availability_pct": None,
                "breaches": []}
    (line,) = found.lines
    return line.model_dump()


def live(metric: str, **labels: str) -> float | None:
    """The value the process's /metrics shows for ``metric`` with ``labels`` (None when
    absent)."""
    for family in text_string_to_metric_families(generate_latest().decode()):
        for sample in family.samples:
            if sample.name == metric and sample.labels == labels:
                return float(sample.value)
    return None


@contextmanager
def reflector_ports(book: FaultBook) -> Iterator[list[int]]:
    """One probe reflector (on its own thread and event loop) behind two fault relays:
    yields the relays' ports, one per site."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="reflector", daemon=True)
    thread.start()
    reflector = Reflector()
    asyncio.run_coroutine_threadsafe(reflector.__aenter__(), loop).result(timeout=30)
    relays = [UdpRelay(reflector.host, reflector.port, faults=book,
                       behaviours=BEHAVIOURS).start() for _ in range(2)]
    try:
        yield [relay.port for relay in relays]
    finally:
        for relay in relays:
            relay.stop()
        asyncio.run_coroutine_threadsafe(reflector.__aexit__(None, None, None),
                                         loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def with_reflector(book: FaultBook, scenario: Callable[[list[int]], None]) -> None:
    """Run ``scenario(probe_ports)`` with the reflector of :func:`reflector_ports`."""
    with reflector_ports(book) as ports:
        scenario(ports)
