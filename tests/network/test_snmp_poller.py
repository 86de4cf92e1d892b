"""SNMP poller against snmpsim agents over UDP on loopback, and its pure parts (rate
math across wraps and reboots, reading of GETBULK answers)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api
from pysnmp.proto.rfc1902 import Counter32, Counter64, Integer32, OctetString, TimeTicks
from pysnmp.proto.rfc1905 import EndOfMibView

from network.drivers import snmp_ber
from network.drivers.snmp import (
    DeviceSample,
    InterfaceSample,
    Skipped,
    SnmpPoller,
    SnmpTarget,
    Unreachable,
    UnreachableReason,
    V2cCredentials,
    V3Credentials,
    compute_rates,
)
from network.drivers.snmp_rates import counter_delta, rebooted
from network.drivers.snmp_response import COLUMNS, SYS_UPTIME_0, MalformedResponse, TableWalk
from network.sim.snmp_agents import SimulatedAgent, SimulatedAgents
from network.sim.snmp_probe import free_udp_ports

T = TypeVar("T")
UP, DOWN = 1, 2
RATE_FIELDS = {  # InterfaceRates field -> SimInterface field
    "in_octets": "in_octets",
    "out_octets": "out_octets",
    "in_errors": "in_errors",
    "out_errors": "out_errors",
    "in_discards": "in_discards",
    "out_discards": "out_discards",
}


class Loop:
    """One event loop for the module, and the poller bound to it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.poller = SnmpPoller(concurrency=16)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def close(self) -> None:
        self.poller.close()
        self.run(asyncio.sleep(0))  # let the socket's close callbacks run
        self.loop.close()


@pytest.fixture(scope="module")
def agents() -> Iterator[SimulatedAgents]:
    with SimulatedAgents(3, 8, processes=2, flap_period=2.0, flap_down=1.0) as running:
        yield running


@pytest.fixture(scope="module")
def io() -> Iterator[Loop]:
    loop = Loop()
    yield loop
    loop.close()


def v2c(agent: SimulatedAgent, **options: Any) -> SnmpTarget:
    return SnmpTarget(agent.name, agent.host, V2cCredentials(agent.community), port=agent.port,
                      timeout=0.5, retries=1, **options)


def v3(agent: SimulatedAgent, device: str | None = None, **keys: str) -> SnmpTarget:
    credentials = V3Credentials(
        keys.get("user", agent.v3_user),
        keys.get("auth_key", agent.v3_auth_key),
        keys.get("priv_key", agent.v3_priv_key),
        engine_id=keys.get("engine_id"),
    )
    return SnmpTarget(device or f"{agent.name}-v3", agent.host, credentials, port=agent.port,
                      timeout=0.5, retries=1)


def sample(io: Loop, target: SnmpTarget) -> DeviceSample:
    result = io.run(io.poller.poll(target))
    assert isinstance(result, DeviceSample), result
    return result


def assert_rates_match(agent: SimulatedAgent, first: DeviceSample, second: DeviceSample) -> None:
    rates = compute_rates(first, second)
    assert not rates.reset and rates.interval
    assert [itf.if_index for itf in rates.interfaces] == list(range(1, 9))
    for itf in rates.interfaces:
        expected = agent.interface(itf.if_index)
        for field, source in RATE_FIELDS.items():
            # counters move by whole units; sysUpTime by hundredths of a second, read a few
            # milliseconds before the last counters of the same answer
            assert getattr(itf, field) == pytest.approx(
                getattr(expected, source), rel=0.05, abs=1.5 / rates.interval
            ), field


# --- against snmpsim ------------------------------------------------------------------


def test_v2c_poll_returns_interfaces_with_moving_counters(
    agents: SimulatedAgents, io: Loop
) -> None:
    agent = agents.agents[0]
    first = sample(io, v2c(agent))
    time.sleep(1.0)
    second = sample(io, v2c(agent))
    assert len(second.interfaces) == 8
    assert all(itf.hc_in_octets and itf.hc_in_octets > 0 for itf in second.interfaces)
    assert second.sys_uptime > first.sys_uptime
    rates = compute_rates(first, second)
    assert rates.interval == pytest.approx(second.taken_at - first.taken_at, abs=0.5)
    assert_rates_match(agent, first, second)


def test_v3_auth_priv_polls_and_a_wrong_key_fails_alone(agents: SimulatedAgents, io: Loop) -> None:
    good, other = agents.agents[0], agents.agents[1]
    results = io.run(io.poller.poll_many([
        v3(good),
        v3(other, "wrong-auth", auth_key="not-the-auth-key"),
        v3(other, "wrong-priv", priv_key="not-the-priv-key"),
        v3(other, "unknown-user", user="intruder"),
        v2c(other),
    ]))
    assert isinstance(results[0], DeviceSample) and len(results[0].interfaces) == 8
    for failed in results[1:4]:
        assert isinstance(failed, Unreachable) and failed.reason is UnreachableReason.AUTH
        assert str(failed).startswith("unreachable: auth")
    assert isinstance(results[4], DeviceSample)
    # the right keys for that device still work once the wrong ones were tried
    assert isinstance(io.run(io.poller.poll(v3(other))), DeviceSample)


def test_v3_rates_match_too(agents: SimulatedAgents, io: Loop) -> None:
    agent = agents.agents[1]
    first = sample(io, v3(agent))
    time.sleep(1.0)
    assert_rates_match(agent, first, sample(io, v3(agent)))


def test_v3_with_a_known_engine_id(agents: SimulatedAgents) -> None:
    agent = agents.agents[2]
    known = v3(agent, "known-engine", engine_id=agent.engine_id)

    async def once() -> Any:
        async with SnmpPoller() as poller:  # a new one: no engine ID discovered yet
            return await poller.poll(known)

    assert isinstance(asyncio.run(once()), DeviceSample)


def test_unreachable_port_times_out_while_others_succeed(
    agents: SimulatedAgents, io: Loop
) -> None:
    (port,) = free_udp_ports(1, "127.0.0.1")
    dead = SnmpTarget("dead", "127.0.0.1", V2cCredentials("public"), port=port, timeout=0.3,
                      retries=1)
    started = time.monotonic()
    results = io.run(io.poller.poll_many([dead, *(v2c(agent) for agent in agents.agents)]))
    assert time.monotonic() - started < 2.0  # the timeout holds nobody else up
    assert isinstance(results[0], Unreachable)
    assert results[0].reason is UnreachableReason.TIMEOUT
    assert all(isinstance(result, DeviceSample) for result in results[1:])


def test_down_interface_is_seen_down(agents: SimulatedAgents, io: Loop) -> None:
    agent = agents.agents[2]
    flap = agent.flap
    assert flap is not None

    def expected(at: float) -> int:
        return DOWN if at % flap.period >= flap.period - flap.down else UP

    seen: set[int] = set()
    deadline = time.monotonic() + 5 * flap.period
    while seen != {UP, DOWN}:
        assert time.monotonic() < deadline, f"saw only {seen}"
        before = time.time()
        result = sample(io, v2c(agent))
        if expected(before) == expected(time.time()):  # no edge during the poll
            status = result.interface(flap.if_index)
            assert status is not None and status.oper_status == expected(before)
            seen.add(expected(before))
        assert {itf.oper_status for itf in result.interfaces if itf.if_index != 1} == {UP}
        time.sleep(0.2)


def test_reboot_is_flagged_as_reset(agents: SimulatedAgents, io: Loop) -> None:
    agent = agents.agents[2]
    before = sample(io, v2c(agent))
    agents.reboot(agent.name)
    after = sample(io, v2c(agent))
    rates = compute_rates(before, after)
    assert rates.reset
    assert all(itf.in_octets is None and itf.in_errors is None for itf in rates.interfaces)
    time.sleep(1.0)
    assert_rates_match(agent, after, sample(io, v2c(agent)))


def test_counters_wrapping_between_polls_give_true_rates(
    agents: SimulatedAgents, io: Loop
) -> None:
    agent = agents.agents[2]
    wrap_at = agents.wrap(agent.name, after=0.8)
    before = sample(io, v2c(agent))
    assert time.time() < wrap_at, "too slow to poll before the wrap"
    time.sleep(wrap_at + 0.5 - time.time())
    after = sample(io, v2c(agent))
    first, second = before.interfaces[0], after.interfaces[0]
    assert first.hc_in_octets is not None and first.hc_in_octets > 2**63
    assert second.hc_in_octets is not None and second.hc_in_octets < 2**32
    assert first.in_errors is not None and first.in_errors > 2**31
    assert_rates_match(agent, before, after)
    agents.reboot(agent.name)


def test_a_table_longer_than_max_repetitions_takes_more_getbulks(
    agents: SimulatedAgents, io: Loop
) -> None:
    agent = agents.agents[0]
    short = sample(io, v2c(agent, max_repetitions=3))
    assert [itf.if_index for itf in short.interfaces] == list(range(1, 9))
    assert all(itf.out_discards is not None for itf in short.interfaces)


def test_overlapping_polls_of_one_device_are_skipped(agents: SimulatedAgents, io: Loop) -> None:
    target = v2c(agents.agents[0])

    async def twice() -> list[Any]:
        return list(await asyncio.gather(io.poller.poll(target), io.poller.poll(target)))

    first, second = io.run(twice())
    assert isinstance(first, DeviceSample)
    assert isinstance(second, Skipped)
    assert isinstance(io.run(io.poller.poll(target)), DeviceSample)


def test_concurrency_is_bounded() -> None:
    ports = free_udp_ports(4, "127.0.0.1")
    dead = [SnmpTarget(f"dead{port}", "127.0.0.1", V2cCredentials("public"), port=port,
                       timeout=0.3, retries=0) for port in ports]

    async def cycle() -> float:
        async with SnmpPoller(concurrency=2) as poller:
            started = time.monotonic()
            await poller.poll_many(dead)
            return time.monotonic() - started

    assert asyncio.run(cycle()) >= 0.55  # two waves of two timeouts


def test_a_poller_belongs_to_one_event_loop(agents: SimulatedAgents) -> None:
    poller = SnmpPoller()
    target = v2c(agents.agents[0])
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        assert isinstance(first.run_until_complete(poller.poll(target)), DeviceSample)
        with pytest.raises(RuntimeError, match="another event loop"):
            second.run_until_complete(poller.poll(target))
        poller.close()
        assert isinstance(second.run_until_complete(poller.poll(target)), DeviceSample)
        poller.close()
    finally:
        first.close()
        second.close()
    # a poller whose loop was closed without close() starts over on the next loop
    assert isinstance(asyncio.run(poller.poll(target)), DeviceSample)

    async def again() -> Any:
        async with poller:
            return await poller.poll(target)

    assert isinstance(asyncio.run(again()), DeviceSample)


def test_keys_never_show_in_repr_results_or_logs(
    agents: SimulatedAgents, io: Loop, caplog: pytest.LogCaptureFixture
) -> None:
    agent = agents.agents[0]
    target = v3(agent, "leaky", auth_key="secret-auth-key-1", priv_key="secret-priv-key-1")
    with caplog.at_level(logging.DEBUG):
        result = io.run(io.poller.poll(target))
    shown = " ".join([repr(target), str(target), repr(result), str(result), caplog.text,
                      repr(v2c(agent))])
    for secret in ("secret-auth-key-1", "secret-priv-key-1", agent.community):
        assert secret not in shown


class WrongTypes(asyncio.DatagramProtocol):
    """An agent answering every SNMPv2c request with sysUpTime.0 as an OctetString."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport  # a datagram transport (asyncio gives no subclass)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        v2c_api = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
        request, _ = decoder.decode(data, asn1Spec=v2c_api.Message())
        response = v2c_api.apiMessage.get_response(request)
        pdu = v2c_api.apiPDU.get_response(v2c_api.apiMessage.get_pdu(request))
        v2c_api.apiPDU.set_varbinds(pdu, [(v2c_api.ObjectIdentifier(SYS_UPTIME_0),
                                           v2c_api.OctetString("up"))])
        v2c_api.apiMessage.set_pdu(response, pdu)
        self.transport.sendto(encoder.encode(response), addr)


def test_malformed_answer_marks_the_device_unreachable(agents: SimulatedAgents, io: Loop) -> None:
    (port,) = free_udp_ports(1, "127.0.0.1")
    transport, _ = io.run(io.loop.create_datagram_endpoint(
        WrongTypes, local_addr=("127.0.0.1", port)
    ))
    try:
        odd = SnmpTarget("odd", "127.0.0.1", V2cCredentials("public"), port=port, timeout=0.5)
        results = io.run(io.poller.poll_many([odd, v2c(agents.agents[1])]))
    finally:
        transport.close()
    assert isinstance(results[0], Unreachable)
    assert results[0].reason is UnreachableReason.MALFORMED
    assert "TimeTicks" in results[0].detail
    assert isinstance(results[1], DeviceSample)


class Scripted(asyncio.DatagramProtocol):
    """An agent answering each SNMPv2c request with what ``answer`` makes of it (the
    request's request-id and PDU), from ``reply_from`` (its own socket when None)."""

    def __init__(self, answer: Any, reply_from: Any = None) -> None:
        self.answer, self.reply_from, self.requests = answer, reply_from, 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.requests += 1
        v2c_api = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
        request, _ = decoder.decode(data, asn1Spec=v2c_api.Message())
        pdu = v2c_api.apiMessage.get_pdu(request)
        reply = self.answer(int(v2c_api.apiPDU.get_request_id(pdu)), request)
        (self.reply_from or self.transport).sendto(reply, addr)


def v2c_response(request: Any, *, error_status: int = 0, community: str = "public") -> bytes:
    v2c_api = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    response = v2c_api.apiMessage.get_response(request)
    v2c_api.apiMessage.set_community(response, community)
    pdu = v2c_api.apiPDU.get_response(v2c_api.apiMessage.get_pdu(request))
    v2c_api.apiPDU.set_error_status(pdu, error_status)
    v2c_api.apiPDU.set_varbinds(pdu, [(v2c_api.ObjectIdentifier(SYS_UPTIME_0),
                                       TimeTicks(1))])
    v2c_api.apiMessage.set_pdu(response, pdu)
    return bytes(encoder.encode(response))


def poll_scripted(io: Loop, answer: Any, *, reply_from: Any = None) -> tuple[Any, int]:
    """The poll result of a device scripted by ``answer``, and how many requests it got."""
    (port,) = free_udp_ports(1, "127.0.0.1")
    agent = Scripted(answer, reply_from)
    transport, _ = io.run(io.loop.create_datagram_endpoint(
        lambda: agent, local_addr=("127.0.0.1", port)))
    try:
        target = SnmpTarget("scripted", "127.0.0.1", V2cCredentials("public"), port=port,
                            timeout=0.3, retries=1)
        return io.run(io.poller.poll(target)), agent.requests
    finally:
        transport.close()


def test_an_error_status_marks_the_device_in_error(io: Loop) -> None:
    result, _ = poll_scripted(io, lambda _id, request: v2c_response(request, error_status=5))
    assert isinstance(result, Unreachable) and result.reason is UnreachableReason.ERROR
    assert result.detail == "SNMP error-status genErr"


def test_answers_not_for_the_request_are_ignored(io: Loop) -> None:
    # from another port than the one asked, or for another request-id: the poll times out
    stranger, _ = io.run(io.loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)))
    try:
        result, requests = poll_scripted(io, lambda _id, request: v2c_response(request),
                                         reply_from=stranger)
    finally:
        stranger.close()
    assert isinstance(result, Unreachable) and result.reason is UnreachableReason.TIMEOUT
    assert requests == 2  # asked again once (retries=1)

    def other_id(request_id: int, request: Any) -> bytes:
        return v2c_response(request).replace(snmp_ber.integer(request_id),
                                             snmp_ber.integer(request_id ^ 1), 1)

    result, _ = poll_scripted(io, other_id)
    assert isinstance(result, Unreachable) and result.reason is UnreachableReason.TIMEOUT


def test_an_unreadable_answer_to_the_request_is_malformed(io: Loop) -> None:
    def odd_type(_id: int, request: Any) -> bytes:  # sysUpTime.0 of no SNMP type
        return v2c_response(request).replace(b"\x43\x01\x01", b"\x47\x01\x01")

    result, requests = poll_scripted(io, odd_type)
    assert isinstance(result, Unreachable) and result.reason is UnreachableReason.MALFORMED
    assert requests == 1

    result, _ = poll_scripted(io, lambda _id, request: v2c_response(request, community="x"))
    assert isinstance(result, Unreachable) and result.reason is UnreachableReason.MALFORMED


# --- rate math, by hand -----------------------------------------------------------------


def device(taken_at: float, uptime: int, **counters: int | None) -> DeviceSample:
    return DeviceSample("ce01", taken_at, uptime, (InterfaceSample(1, UP, **counters),))


def test_counter_delta_across_a_wrap() -> None:
    assert counter_delta(100, 350, 64) == 250
    assert counter_delta(2**64 - 1000, 500, 64) == 1500
    assert counter_delta(2**32 - 10, 5, 32) == 15
    assert counter_delta(10**12, 5, 64) is None  # cleared counter, not a wrap
    assert counter_delta(5, 5, 32) == 0


def test_rates_across_64_and_32_bit_wraps() -> None:
    first = device(1000.0, 50_000, hc_in_octets=2**64 - 1000, hc_out_octets=0,
                   in_errors=2**32 - 10, out_errors=7)
    second = device(1010.0, 51_000, hc_in_octets=500, hc_out_octets=2500, in_errors=5,
                    out_errors=7)
    rates = compute_rates(first, second)
    assert not rates.reset and rates.interval == 10.0
    (itf,) = rates.interfaces
    assert itf.in_octets == 150.0  # (2**64 - (2**64 - 1000)) + 500 = 1500 in 10 s
    assert itf.out_octets == 250.0
    assert itf.in_errors == 1.5  # 10 + 5 in 10 s
    assert itf.out_errors == 0.0
    assert itf.in_discards is None  # never returned: unknown, not zero


def test_interval_is_the_device_clock() -> None:
    first = device(1000.0, 50_000, hc_in_octets=0)
    second = device(1010.4, 51_000, hc_in_octets=2000)  # poll delayed 0.4 s on our side
    assert compute_rates(first, second).interfaces[0].in_octets == 200.0


def test_uptime_going_backwards_is_a_reboot() -> None:
    first = device(1000.0, 8_640_000, hc_in_octets=10**9)
    second = device(1060.0, 3_000, hc_in_octets=4_000)
    assert rebooted(first, second)
    rates = compute_rates(first, second)
    assert rates.reset and rates.interval == 60.0
    assert rates.interfaces[0].in_octets is None


def test_uptime_advancing_less_than_the_clock_is_a_reboot() -> None:
    # up 20 s at the first poll, rebooted 30 s before the second, 60 s later
    first = device(1000.0, 2_000, hc_in_octets=10**6)
    second = device(1060.0, 3_000, hc_in_octets=2 * 10**6)
    assert compute_rates(first, second).reset


def test_uptime_wrapping_after_497_days_is_not_a_reboot() -> None:
    first = device(1000.0, 2**32 - 100, hc_in_octets=0)
    second = device(1010.0, 900, hc_in_octets=1000)
    rates = compute_rates(first, second)
    assert not rates.reset and rates.interval == 10.0
    assert rates.interfaces[0].in_octets == 100.0


def test_missing_samples_are_unknown() -> None:
    second = device(1010.0, 51_000, hc_in_octets=500)
    assert compute_rates(None, second).interval is None
    assert compute_rates(None, second).interfaces[0].in_octets is None
    other = DeviceSample("ce01", 1000.0, 50_000, (InterfaceSample(2, UP, hc_in_octets=0),))
    rates = compute_rates(other, second)
    assert not rates.reset and rates.interfaces[0].in_octets is None  # new interface
    assert compute_rates(second, second).interval is None  # no time between them


# --- reading GETBULK answers ------------------------------------------------------------


def row(index: int, octets: int = 0) -> list[tuple[tuple[int, ...], Any]]:
    values = {Integer32: Integer32(UP), Counter32: Counter32(0), Counter64: Counter64(octets)}
    return [((*column.oid, index), values[column.syntax]) for column in COLUMNS]


def test_table_walk_reads_rows_and_sees_each_column_end() -> None:
    walk = TableWalk()
    end = [((*column.oid[:-1], column.oid[-1] + 1, 1), Integer32(0)) for column in COLUMNS]
    walk.feed([(SYS_UPTIME_0, TimeTicks(123)), *row(1, 10), *row(2, 20), *end], COLUMNS,
              with_uptime=True)
    assert walk.sys_uptime == 123 and not walk.pending()
    assert [itf.hc_in_octets for itf in walk.interfaces()] == [10, 20]


def test_table_walk_continues_a_cut_answer() -> None:
    walk = TableWalk()
    walk.feed([(SYS_UPTIME_0, TimeTicks(1)), *row(1)], COLUMNS, with_uptime=True)
    assert walk.pending() == COLUMNS
    assert walk.next_oids()[0] == (*COLUMNS[0].oid, 1)
    walk.feed([*row(2), *[(oid, EndOfMibView()) for oid, _ in row(3)]], COLUMNS,
              with_uptime=False)
    assert not walk.pending()
    assert [itf.if_index for itf in walk.interfaces()] == [1, 2]


@pytest.mark.parametrize(
    ("varbinds", "message"),
    [
        ([], "sysUpTime"),
        ([(SYS_UPTIME_0, Counter32(5))], "TimeTicks"),
        ([(SYS_UPTIME_0, TimeTicks(5)), ((*COLUMNS[0].oid, 1), OctetString("up"))], "Integer32"),
        ([(SYS_UPTIME_0, TimeTicks(5)), ((*COLUMNS[0].oid, 1, 7), Integer32(1))], "index"),
        ([(SYS_UPTIME_0, TimeTicks(5))], "no table rows"),
    ],
)
def test_table_walk_refuses_malformed_answers(varbinds: list[Any], message: str) -> None:
    with pytest.raises(MalformedResponse, match=message):
        TableWalk().feed(varbinds, COLUMNS, with_uptime=True)


def test_table_walk_refuses_oids_going_backwards() -> None:
    walk = TableWalk()
    walk.feed([(SYS_UPTIME_0, TimeTicks(1)), *row(5)], COLUMNS, with_uptime=True)
    with pytest.raises(MalformedResponse, match="not increasing"):
        walk.feed(row(4), COLUMNS, with_uptime=False)
