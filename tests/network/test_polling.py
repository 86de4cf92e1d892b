"""Scheduled polling against snmpsim agents on loopback: device poll status (ok, or
unreachable with the reason, visible in the API), per-minute observations in the SLA
day rows (interface down → down minutes, unreachable → unknown), live rates at
/metrics, and shards that partition the devices."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from controlplane import jobs
from controlplane.auth import Role
from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from controlplane.models import Job, JobLog
from controlplane.settings import get_settings
from network.drivers.snmp import DeviceSample, SnmpPoller, SnmpTarget, V3Credentials
from network.inventory.models import Circuit
from network.polling import metrics
from network.polling.cycle import CycleReport, ShardPoller
from network.polling.flows import POLL_JOB
from network.polling.targets import Shard, load_plan, shard_of
from network.sim.snmp_agents import SimulatedAgents
from network.sim.snmp_probe import free_udp_ports
from network.sla.codec import DayArrays
from network.sla.models import CircuitDay
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pysnmp.smi.compiler")

NET = "/api/v1/network"
FLAP, STEADY = 1, 2  # ifIndex down (for decades: see the agents' flap schedule), always up


@pytest.fixture(scope="module")
def agents() -> Iterator[SimulatedAgents]:
    # interface 1 is down whenever time % 1e9 >= 1 (i.e. until 2033): down in every poll
    with SimulatedAgents(2, 8, processes=1, flap_period=1e9, flap_down=1e9 - 1) as running:
        asyncio.run(_warm_up(running))
        yield running


async def _warm_up(agents: SimulatedAgents) -> None:
    """snmpsim localizes the SNMPv3 keys on its first request: let that happen here, so
    that the tests' short timeouts measure the poller, not the agent's start."""
    async with SnmpPoller() as poller:
        for agent in agents.agents:
            target = SnmpTarget(agent.name, agent.host, credentials(agents), port=agent.port,
                                timeout=5, retries=2)
            assert isinstance(await poller.poll(target), DeviceSample)


@pytest.fixture(autouse=True)
def _fresh_metrics() -> Iterator[None]:
    metrics.LIVE.clear()
    yield
    metrics.LIVE.clear()


@dataclass
class Region:
    circuits: dict[str, str]  # role → circuit ref
    dead: str  # hostname of the device nobody answers for


@pytest.fixture
def region(client: TestClient, database: Database, make_tenant: TenantFactory,
           auth: TokenFactory, agents: SimulatedAgents) -> Region:
    """Two polled CEs on the agents and one on a port nobody answers; circuits on the
    flapping and the steady interface of the first, and one on the dead CE."""
    net = NetworkFactory(database)
    tenant = make_tenant()
    site = net.site(tenant)
    operator = auth(Role.NETWORK_ENGINEER)
    (dead_port,) = free_udp_ports(1, "127.0.0.1")
    ports = [agent.port for agent in agents.agents] + [dead_port]
    devices = []
    for port in ports:
        device = net.device(site)
        answer = client.put(f"{NET}/monitors/devices/{device.hostname}", headers=operator,
                            json={"snmp_host": "127.0.0.1", "snmp_port": port})
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"] == "unknown"
        devices.append(device)
    circuits = {}
    for role, device, if_index in (("flap", devices[0], FLAP), ("steady", devices[0], STEADY),
                                   ("dead", devices[2], STEADY)):
        circuit = net.circuit(tenant, site=site, a_device=device.hostname)
        answer = client.put(f"{NET}/monitors/circuits/{circuit.ref}", headers=operator,
                            json={"if_index": if_index})
        assert answer.status_code == 200, answer.text
        circuits[role] = circuit.ref
    return Region(circuits, devices[2].hostname)


def credentials(agents: SimulatedAgents, **override: str) -> V3Credentials:
    agent = agents.agents[0]
    keys = {"auth_key": agent.v3_auth_key, "priv_key": agent.v3_priv_key, **override}
    return V3Credentials(agent.v3_user, keys["auth_key"], keys["priv_key"])


def run_cycles(database: Database, creds: V3Credentials, cycles: int = 1,
               shard: Shard | None = None, timeout: float = 1.0) -> list[CycleReport]:
    reports: list[CycleReport] = []

    async def main() -> None:
        async with ShardPoller(database, creds, shard=shard, timeout=timeout,
                               retries=1) as poller:
            await poller.run(0.2, cycles=cycles, on_cycle=reports.append)

    asyncio.run(main())
    return reports


def day_arrays(database: Database, ref: str) -> DayArrays:
    """The union of the circuit's day rows (a test may straddle midnight UTC); a blank
    day (all unknown) when it has none."""
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        rows = db.scalars(select(CircuitDay).join(Circuit, Circuit.id == CircuitDay.circuit_id)
                          .where(Circuit.ref == ref)).all()
        days = [DayArrays.unpack(r.up, r.unknown, r.rtt_ms, r.jitter_ms, r.loss) for r in rows]
    merged = days[0] if days else DayArrays.blank()
    for day in days[1:]:
        merged.up |= day.up
        merged.unknown &= day.unknown
    return merged


def test_a_cycle_records_status_minutes_and_rates(
    client: TestClient, database: Database, auth: TokenFactory, agents: SimulatedAgents,
    region: Region, metrics_headers: dict[str, str],
) -> None:
    reports = run_cycles(database, credentials(agents), cycles=2)
    assert [(r.polled, r.reachable, r.skipped) for r in reports] == [(3, 2, 0)] * 2, reports
    assert reports[-1].unreachable == {region.dead: "timeout"}

    listing = client.get(f"{NET}/monitors/devices", headers=auth(Role.NETWORK_ENGINEER)).json()
    assert listing["total"] == 3
    states = {item["device"]: (item["state"], item["reason"], item["failures"])
              for item in listing["items"]}
    assert states.pop(region.dead) == ("unreachable", "timeout", 2)
    assert set(states.values()) == {("ok", None, 0)}
    down = client.get(f"{NET}/monitors/devices?state=unreachable",
                      headers=auth(Role.NETWORK_ENGINEER)).json()
    assert [item["device"] for item in down["items"]] == [region.dead]

    flap, steady, dead = (day_arrays(database, region.circuits[k])
                          for k in ("flap", "steady", "dead"))
    assert (~steady.unknown).sum() >= 1 and steady.up[~steady.unknown].all()
    assert (~flap.unknown).sum() >= 1 and not flap.up[~flap.unknown].any()
    assert dead.unknown.all()  # no answer: never read up nor down (silent: see the SLA)

    exposition = client.get("/metrics", headers=metrics_headers).text
    assert 'socle_poller_unreachable_devices{shard="1/1"} 1.0' in exposition
    assert f'socle_device_snmp_up{{device="{region.dead}",reason="timeout"}} 0.0' in exposition
    assert f'socle_circuit_up{{circuit="{region.circuits["steady"]}"}} 1.0' in exposition
    assert f'socle_circuit_up{{circuit="{region.circuits["flap"]}"}} 0.0' in exposition
    # silent while the others answered, and no probe answered for it: down, as the SLA
    assert f'socle_circuit_up{{circuit="{region.circuits["dead"]}"}} 0.0' in exposition
    assert "socle_poller_last_cycle_timestamp_seconds{" in exposition
    # the second cycle has a previous sample: rates of every interface of both agents
    rates = [line for line in exposition.splitlines()
             if line.startswith("socle_interface_in_octets_per_second{")]
    assert len(rates) == 16 and all(float(line.split()[-1]) > 0 for line in rates)


def test_wrong_credentials_mark_devices_unreachable_and_the_cycle_goes_on(
    client: TestClient, database: Database, auth: TokenFactory, agents: SimulatedAgents,
    region: Region,
) -> None:
    # refused keys are answered at once (a report PDU): a short timeout is enough
    (report,) = run_cycles(database, credentials(agents, auth_key="not-the-right-key"),
                           timeout=0.5)
    assert report.reachable == 0
    assert report.unreachable == {**{h: "auth" for h in report.unreachable if h != region.dead},
                                  region.dead: "timeout"}
    assert len(report.unreachable) == 3
    listing = client.get(f"{NET}/monitors/devices", headers=auth(Role.GCS_OPERATOR)).json()
    assert {i["reason"] for i in listing["items"]} == {"auth", "timeout"}
    assert all("not-the-right-key" not in str(i) for i in listing["items"])
    assert day_arrays(database, region.circuits["steady"]).unknown.all()
    # right keys again: the devices recover, their failure count resets
    run_cycles(database, credentials(agents))
    listing = client.get(f"{NET}/monitors/devices?state=ok",
                         headers=auth(Role.GCS_OPERATOR)).json()
    assert listing["total"] == 2 and {i["failures"] for i in listing["items"]} == {0}


def test_an_establishment_sees_only_its_monitors(
    client: TestClient, database: Database, make_tenant: TenantFactory, auth: TokenFactory,
) -> None:
    net = NetworkFactory(database)
    own, other = make_tenant(), make_tenant()
    operator = auth(Role.GCS_OPERATOR)
    for tenant in (own, other):
        device = net.device(net.site(tenant))
        assert client.put(f"{NET}/monitors/devices/{device.hostname}", headers=operator,
                          json={}).status_code == 200
    mine = client.get(f"{NET}/monitors/devices", headers=auth(Role.ESTABLISHMENT, own)).json()
    assert [item["tenant"] for item in mine["items"]] == [own.finess]
    theirs = net.device(net.site(other))
    answer = client.put(f"{NET}/monitors/devices/{theirs.hostname}", json={},
                        headers=auth(Role.ESTABLISHMENT, own))
    assert answer.status_code == 403


def test_bad_monitor_bodies_are_422_naming_the_field(
    client: TestClient, database: Database, make_tenant: TenantFactory, auth: TokenFactory,
) -> None:
    net = NetworkFactory(database)
    tenant = make_tenant()
    device = net.device(net.site(tenant))
    bare = net.circuit(tenant)  # no A-end device
    operator = auth(Role.GCS_OPERATOR)
    cases = [
        (f"monitors/devices/{device.hostname}", {"snmp_port": 70000}, "snmp_port"),
        (f"monitors/devices/{device.hostname}", {"snmp_host": "a b"}, "snmp_host"),
        (f"monitors/circuits/{bare.ref}", {"if_index": 0}, "if_index"),
        (f"monitors/circuits/{bare.ref}", {"if_index": 3}, "if_index"),
        (f"monitors/circuits/{bare.ref}", {"probe_host": "127.0.0.1"}, "probe_port"),
    ]
    for path, body, field in cases:
        answer = client.put(f"{NET}/{path}", json=body, headers=operator)
        assert answer.status_code == 422, (body, answer.text)
        assert field in str(answer.json()["errors"]), (body, answer.json())
    assert client.put(f"{NET}/monitors/devices/nope", json={},
                      headers=operator).status_code == 404
    listing = client.get(f"{NET}/monitors/circuits", headers=operator).json()
    assert listing["total"] == 0  # nothing half-applied


def test_shards_partition_the_devices(database: Database, make_tenant: TenantFactory) -> None:
    net = NetworkFactory(database)
    site = net.site(make_tenant())
    from network.polling.schemas import DeviceMonitorSet
    from network.polling.service import set_device_monitor

    hostnames = {net.device(site).hostname for _ in range(20)}
    with database.transaction(scope=Scope.unrestricted()) as db:
        for hostname in hostnames:
            set_device_monitor(db, hostname, DeviceMonitorSet(), actor="tests")
    creds = V3Credentials("u", "k" * 8, "p" * 8)
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        for count in (1, 3, 7):
            seen: list[str] = []
            for index in range(1, count + 1):
                plan = load_plan(db, Shard(index, count), creds, timeout=1, retries=0)
                seen += [t.device for t in plan.targets]
                assert all(shard_of(i, count) == index for i in plan.device_ids.values())
            assert sorted(seen) == sorted(hostnames)  # every device once, in one shard


def test_shard_parsing_and_stable_hash() -> None:
    assert Shard.parse(" 2 / 4 ") == Shard(2, 4)
    for bad in ("0/4", "5/4", "x", "1/0"):
        with pytest.raises(ValueError):
            Shard.parse(bad)
    # stable across processes and runs (not Python's salted hash)
    assert [shard_of(i, 4) for i in range(1, 9)] == [shard_of(i, 4) for i in range(1, 9)]
    assert {shard_of(i, 4) for i in range(200)} == {1, 2, 3, 4}


def test_the_poll_job_and_the_cli_use_the_settings(
    database: Database, agents: SimulatedAgents, region: Region, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ``network.poll-cycle`` job polls with the SNMPv3 user and keys the settings
    name (resolved from their references, never logged); the CLI lists the outcome."""
    agent = agents.agents[0]
    monkeypatch.setenv("SOCLE_NETWORK_SNMP_USER", agent.v3_user)
    monkeypatch.setenv("SOCLE_SECRET_NETWORK_SNMP_AUTH_KEY", agent.v3_auth_key)
    monkeypatch.setenv("SOCLE_SECRET_NETWORK_SNMP_PRIV_KEY", agent.v3_priv_key)
    monkeypatch.setenv("SOCLE_NETWORK_SNMP_AUTH_REF", "env:SOCLE_SECRET_NETWORK_SNMP_AUTH_KEY")
    monkeypatch.setenv("SOCLE_NETWORK_SNMP_PRIV_REF", "env:SOCLE_SECRET_NETWORK_SNMP_PRIV_KEY")
    monkeypatch.setenv("SOCLE_NETWORK_SNMP_RETRIES", "0")
    get_settings.cache_clear()
    with database.transaction(scope=Scope.unrestricted()) as db:
        job_id = jobs.enqueue(db, kind=POLL_JOB, params={"shard": "1/1"}, actor="tests").id
    assert jobs.Worker(database).run_once() == job_id
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        job = db.get_one(Job, job_id)
        assert job.state == "succeeded", job.error
        assert (job.result["polled"], job.result["reachable"]) == (3, 2)
        assert job.result["unreachable"] == {region.dead: "timeout"}
        logged = " ".join(db.scalars(select(JobLog.message).where(JobLog.job_id == job_id)))
    assert agent.v3_auth_key not in logged and region.dead in logged

    result = CliRunner().invoke(cli, ["network", "poll", "status", "--json"])
    assert result.exit_code == 0, result.output
    assert {(r["device"], r["state"]) for r in json.loads(result.output)} >= {
        (region.dead, "unreachable")}
    result = CliRunner().invoke(cli, ["network", "poll", "run", "--shard", "3/2"])
    assert result.exit_code != 0 and "--shard" in result.output


def test_a_failed_cycle_is_logged_and_the_next_one_runs(
    database: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    from network.polling import cycle

    calls = []
    real = cycle.load_plan

    def flaky(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database away")
        return real(*args, **kwargs)

    monkeypatch.setattr(cycle, "load_plan", flaky)
    reports = run_cycles(database, V3Credentials("u", "k" * 8, "p" * 8), cycles=2)
    assert len(calls) == 2 and [r.polled for r in reports] == [0]
    assert "poll cycle of shard 1/1 failed" in caplog.text
