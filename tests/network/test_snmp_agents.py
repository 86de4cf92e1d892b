"""Simulated SNMP agents (snmpsim): real UDP on loopback, time-based values, reboot and
wrap on demand, the launcher used by `socle sim up`."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    get_cmd,
    usmAesCfb128Protocol,
    usmHMACSHAAuthProtocol,
)

from network.sim.snmp_agents import SimulatedAgent, SimulatedAgents
from network.sim.snmp_data import FlapSchedule, make_interfaces, snmprec
from network.sim.snmp_variation import DOWN, UP, parse_spec, value_at

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pysnmp.smi.compiler")

REPO = Path(__file__).resolve().parents[2]
SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
IF_OPER_STATUS_1 = "1.3.6.1.2.1.2.2.1.8.1"
IF_IN_ERRORS_1 = "1.3.6.1.2.1.2.2.1.14.1"
IF_HC_IN_OCTETS_1 = "1.3.6.1.2.1.31.1.1.1.6.1"
FLAP = FlapSchedule(if_index=1, period=2.0, down=1.0)


@pytest.fixture(scope="module")
def agents() -> Iterator[SimulatedAgents]:
    with SimulatedAgents(
        2, 4, processes=2, flap_period=FLAP.period, flap_down=FLAP.down
    ) as running:
        yield running


class Manager:
    """SNMP GETs from one engine on one event loop (an engine is costly to create)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.engine = self.loop.run_until_complete(self._engine())

    @staticmethod
    async def _engine() -> SnmpEngine:
        return SnmpEngine()

    def get(self, agent: SimulatedAgent, *oids: str, auth: Any = None) -> tuple[Any, list[Any]]:
        """One SNMP GET: (error indication, values)."""
        return self.loop.run_until_complete(self._get(agent, oids, auth))

    def value(self, agent: SimulatedAgent, oid: str, auth: Any = None) -> Any:
        """The value of one OID (the GET must succeed)."""
        return self.values(agent, oid, auth=auth)[0]

    def values(self, agent: SimulatedAgent, *oids: str, auth: Any = None) -> list[Any]:
        """The values of OIDs read in one GET (which must succeed)."""
        indication, values = self.get(agent, *oids, auth=auth)
        assert indication is None, indication
        return values

    async def _get(
        self, agent: SimulatedAgent, oids: tuple[str, ...], auth: Any
    ) -> tuple[Any, list[Any]]:
        target = await UdpTransportTarget.create((agent.host, agent.port), 0.5, 0)
        indication, _, _, varbinds = await get_cmd(
            self.engine, auth or CommunityData(agent.community), target, ContextData(),
            *(ObjectType(ObjectIdentity(oid)) for oid in oids), lookupMib=False,
        )
        return indication, [varbind[1] for varbind in varbinds]

    def close(self) -> None:
        self.engine.close_dispatcher()
        self.loop.run_until_complete(asyncio.sleep(0))  # let the dispatcher's timer end
        self.loop.close()


@pytest.fixture(scope="module")
def snmp() -> Iterator[Manager]:
    manager = Manager()
    yield manager
    manager.close()


def v3_auth(agent: SimulatedAgent) -> UsmUserData:
    return UsmUserData(
        agent.v3_user, agent.v3_auth_key, agent.v3_priv_key,
        authProtocol=usmHMACSHAAuthProtocol, privProtocol=usmAesCfb128Protocol,
    )


def test_values_follow_the_clock() -> None:
    control = {"boot": 1000.0, "wrap_at": None}
    assert value_at(("uptime",), "67", control, 1012.345) == 1234
    assert value_at(parse_spec("counter,2.5"), "70", control, 1010.0) == 25
    assert value_at(parse_spec("counter,2.5"), "65", control, 1000.0 + 2**33) == 0  # 32 bits


def test_wrap_puts_every_counter_just_below_its_width() -> None:
    control = {"boot": 1000.0, "wrap_at": 2000.0}
    assert value_at(parse_spec("counter,100"), "70", control, 1999.0) == 2**64 - 100
    assert value_at(parse_spec("counter,100"), "65", control, 1999.0) == 2**32 - 100
    assert value_at(parse_spec("counter,100"), "70", control, 2001.5) == 150


def test_an_interface_held_down_reads_down_whatever_its_schedule() -> None:
    held = {"boot": 0.0, "wrap_at": None, "down": [2]}
    assert value_at(parse_spec("status,2"), "2", held, 10.0) == DOWN
    assert value_at(parse_spec("status,3"), "2", held, 10.0) == UP
    assert value_at(parse_spec("flap,60,15,2"), "2", held, 10.0) == DOWN  # up by schedule
    assert value_at(parse_spec("status,2"), "2", {"boot": 0.0, "wrap_at": None}, 10.0) == UP


def test_flap_is_down_at_the_end_of_each_period() -> None:
    spec = parse_spec("flap,60,15,1")
    control = {"boot": 0.0, "wrap_at": None}
    assert [value_at(spec, "2", control, t) for t in (0.0, 44.9, 45.0, 59.9, 60.0)] == [
        UP, UP, DOWN, DOWN, UP
    ]


def test_records_are_sorted_and_typed() -> None:
    interfaces = make_interfaces(0, 2)
    lines = snmprec("ce01", interfaces, FLAP).splitlines()
    oids = [tuple(int(part) for part in line.split("|")[0].split(".")) for line in lines]
    assert oids == sorted(oids)
    assert f"{SYS_NAME}|4|ce01" in lines
    assert f"{IF_OPER_STATUS_1}|2:socle|flap,2.0,1.0,1" in lines
    assert f"{IF_HC_IN_OCTETS_1}|70:socle|counter,{interfaces[0].in_octets}" in lines
    assert "1.3.6.1.2.1.2.2.1.8.2|2:socle|status,2" in lines


def test_agents_answer_v2c_and_v3_on_their_own_ports(
    agents: SimulatedAgents, snmp: Manager
) -> None:
    assert len({agent.port for agent in agents.agents}) == 2
    for agent in agents.agents:
        assert str(snmp.value(agent, SYS_NAME)) == agent.name
        assert str(snmp.value(agent, SYS_NAME, v3_auth(agent))) == agent.name
    assert "simulated" in str(snmp.value(agents.agents[0], SYS_DESCR))


def test_wrong_community_gets_no_answer(agents: SimulatedAgents, snmp: Manager) -> None:
    indication, _ = snmp.get(
        agents.agents[0], SYS_NAME, auth=CommunityData("not-the-community")
    )
    assert type(indication).__name__ == "RequestTimedOut"


def test_counters_grow_at_the_set_rate(agents: SimulatedAgents, snmp: Manager) -> None:
    agent = agents.agents[1]
    first_ticks, first = snmp.values(agent, SYS_UPTIME, IF_HC_IN_OCTETS_1)
    time.sleep(0.5)
    ticks, octets = snmp.values(agent, SYS_UPTIME, IF_HC_IN_OCTETS_1)
    seconds = (int(ticks) - int(first_ticks)) / 100
    assert int(octets) - int(first) == pytest.approx(
        agent.interface(1).in_octets * seconds, rel=0.05
    )
    assert int(first_ticks) > 86_000 * 100  # booted a day ago


def test_flapping_interface_follows_its_schedule(agents: SimulatedAgents, snmp: Manager) -> None:
    agent = agents.agents[0]
    assert agent.flap == FLAP

    def expected(at: float) -> int:
        return DOWN if at % FLAP.period >= FLAP.period - FLAP.down else UP

    seen: set[int] = set()
    deadline = time.monotonic() + 5 * FLAP.period
    while seen != {UP, DOWN}:
        assert time.monotonic() < deadline, f"saw only {seen}"
        before = time.time()
        status = int(snmp.value(agent, IF_OPER_STATUS_1))
        if expected(before) == expected(time.time()):  # no edge while asking
            assert status == expected(before)
            seen.add(status)
        assert int(snmp.value(agent, "1.3.6.1.2.1.2.2.1.8.2")) == UP


def test_reboot_restarts_uptime_and_counters(agents: SimulatedAgents, snmp: Manager) -> None:
    agent = agents.agent("ce02")
    assert int(snmp.value(agent, SYS_UPTIME)) > 86_000 * 100
    agents.reboot(agent.name)
    assert int(snmp.value(agent, SYS_UPTIME)) < 200
    assert int(snmp.value(agent, IF_HC_IN_OCTETS_1)) < agent.interface(1).in_octets * 2


def test_wrap_crosses_both_counter_widths(agents: SimulatedAgents, snmp: Manager) -> None:
    agent = agents.agents[1]
    rates = agent.interface(1)
    wrap_at = agents.wrap(agent.name, after=1.0)
    octets, errors = snmp.values(agent, IF_HC_IN_OCTETS_1, IF_IN_ERRORS_1)
    assert time.time() < wrap_at, "too slow to see the counters before the wrap"
    assert int(octets) >= 2**64 - rates.in_octets * 1.0
    assert int(errors) >= 2**32 - rates.in_errors * 1.0
    time.sleep(wrap_at + 0.2 - time.time())
    octets, errors = snmp.values(agent, IF_HC_IN_OCTETS_1, IF_IN_ERRORS_1)
    assert int(octets) < rates.in_octets * 2
    assert int(errors) < rates.in_errors * 2
    agents.reboot(agent.name)


def test_keys_stay_out_of_logs_argv_and_repr(agents: SimulatedAgents, snmp: Manager) -> None:
    agent = agents.agents[0]
    secrets_ = (agent.community, agent.v3_auth_key, agent.v3_priv_key)
    assert not any(key in repr(agent) for key in secrets_)
    workdir = agents._workdir
    assert workdir is not None and not list(workdir.glob("args-*"))
    for log in workdir.glob("*.log"):
        assert not any(key in log.read_text() for key in secrets_[1:])
    for child in agents._children:
        argv = Path(f"/proc/{child.pid}/cmdline").read_bytes().decode()
        assert not any(key in argv for key in secrets_[1:])
        if os.geteuid() == 0:  # snmpsim dropped to nobody
            uid_line = next(
                line for line in Path(f"/proc/{child.pid}/status").read_text().splitlines()
                if line.startswith("Uid:")
            )
            assert uid_line.split()[1] != "0"


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        SimulatedAgents(0)
    with pytest.raises(ValueError):
        SimulatedAgents(1, community="has space")
    with pytest.raises(ValueError):
        SimulatedAgents(1, v3_auth_key="short")
    with pytest.raises(ValueError):
        SimulatedAgents(1, flap_period=10, flap_down=10)


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def test_launcher_runs_until_sigterm_and_leaves_no_process(
    tmp_path: Path, snmp: Manager
) -> None:
    state_file = tmp_path / "sim" / "snmp.json"
    command = [sys.executable, "-m", "network.sim.snmp_agents", "--state-file", str(state_file),
               "--count", "2", "--interfaces", "2", "--processes", "1"]
    proc = subprocess.Popen(command, cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while not state_file.exists():
            assert proc.poll() is None, "launcher exited early"
            assert time.monotonic() < deadline, "no state file"
            time.sleep(0.1)
        assert oct(state_file.stat().st_mode & 0o777) == oct(0o600)
        state = json.loads(state_file.read_text())
        assert state["pid"] == proc.pid
        devices = [SimulatedAgent.from_dict(item) for item in state["agents"]]
        assert [device.name for device in devices] == ["ce01", "ce02"]
        assert devices[0].v3_auth_protocol == "SHA" and devices[0].v3_priv_protocol == "AES"
        assert str(snmp.value(devices[1], SYS_NAME, v3_auth(devices[1]))) == "ce02"
        snmpsim = children_of(proc.pid)
        assert snmpsim
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert not state_file.exists()
        assert not any(Path(f"/proc/{pid}").exists() for pid in snmpsim)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
