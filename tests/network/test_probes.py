"""Active probes against the UDP reflector on loopback: set delay and loss come back as
measured RTT and loss, DSCP marking per class, silence is 100 % loss; a probe round
feeds the SLA day rows and /metrics."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database, Scope
from network.polling import metrics
from network.probes import packet
from network.probes.prober import DSCP, probe
from network.probes.reflector import Impairment, Reflector
from network.probes.rounds import probe_round
from network.sim.snmp_probe import free_udp_ports
from network.sla.codec import DayArrays
from network.sla.models import CircuitDay, ClassDay
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory

NET = "/api/v1/network"


@pytest.fixture(autouse=True)
def _fresh_metrics() -> Iterator[None]:
    metrics.LIVE.clear()
    yield
    metrics.LIVE.clear()


def test_set_delay_and_loss_are_measured() -> None:
    async def main() -> tuple[object, object, int]:
        async with Reflector(impairment=Impairment(delay_ms=30, loss=0.25)) as reflector:
            impaired = await probe("127.0.0.1", reflector.port, count=20, interval=0.002,
                                   timeout=1.0, dscp=DSCP["EF"])
            reflector.set_impairment(Impairment())
            clean = await probe("127.0.0.1", reflector.port, count=10, interval=0.002)
            return impaired, clean, reflector.received

    impaired, clean, received = asyncio.run(main())
    assert (impaired.sent, impaired.received, impaired.loss_pct) == (20, 15, 25.0)
    assert impaired.rtt_min_ms >= 29.0  # the reflector holds each packet 30 ms
    assert impaired.jitter_ms is not None and impaired.jitter_ms >= 0
    assert impaired.tos == 46 << 2  # EF
    assert (clean.received, clean.loss_pct, clean.tos) == (10, 0.0, 0)
    assert received == 10  # counted since the impairment was reset


def test_silence_is_total_loss_and_strangers_are_ignored() -> None:
    (port,) = free_udp_ports(1, "127.0.0.1")

    async def main() -> tuple[object, int, int]:
        nobody = await probe("127.0.0.1", port, count=3, interval=0.001, timeout=0.2)
        async with Reflector() as reflector:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
                stranger.sendto(b"not a probe at all" * 4, ("127.0.0.1", reflector.port))
                await asyncio.sleep(0.05)
            return nobody, reflector.received, reflector.reflected

    nobody, received, reflected = asyncio.run(main())
    assert (nobody.received, nobody.loss_pct, nobody.rtt_ms, nobody.jitter_ms) == (0, 100.0,
                                                                                  None, None)
    assert (received, reflected) == (1, 0)


def test_packets_round_trip_and_bad_ones_are_refused() -> None:
    data = packet.request(7, 123)
    reply = packet.parse_reply(packet.reflect(data, 456, 3))
    assert (reply.sequence, reply.sent_ns, reply.reflector_ns, reply.reflector_count) == (
        7, 123, 456, 3)
    assert len(data) == packet.SIZE
    for bad in (b"", b"x" * 64, b"SCLP"):
        with pytest.raises(packet.MalformedProbe):
            packet.reflect(bad, 0, 0)
    with pytest.raises(ValueError):
        Impairment(loss=1.5)
    assert [Impairment(loss=0.5).drops(n) for n in range(4)] == [False, True, False, True]


def test_a_probe_round_feeds_the_sla_rows_and_metrics(
    client: TestClient, database: Database, make_tenant: TenantFactory, auth: TokenFactory,
    metrics_headers: dict[str, str],
) -> None:
    net = NetworkFactory(database)
    tenant = make_tenant()
    realtime = net.circuit(tenant, cos_profile="realtime")
    plain = net.circuit(tenant)  # no reflector: not probed

    async def main() -> object:
        async with Reflector(impairment=Impairment(delay_ms=20, loss=0.1)) as reflector:
            answer = client.put(f"{NET}/monitors/circuits/{realtime.ref}",
                                headers=auth(Role.NETWORK_ENGINEER),
                                json={"probe_host": "127.0.0.1", "probe_port": reflector.port})
            assert answer.status_code == 200, answer.text
            return await probe_round(database, count=10, interval=0.002, timeout=1.0)

    unresolvable = net.circuit(tenant)
    assert client.put(f"{NET}/monitors/circuits/{unresolvable.ref}",
                      headers=auth(Role.NETWORK_ENGINEER),
                      json={"probe_host": "no-such-host.invalid", "probe_port": 9}
                      ).status_code == 200
    report = asyncio.run(main())
    # the unresolvable reflector measured nothing: no figures, no row (not 100 % loss)
    assert sorted(report.results) == [(realtime.ref, c) for c in ("AF31", "BE", "EF")]
    ef = report.results[realtime.ref, "EF"]
    assert ef.tos == 46 << 2 and report.results[realtime.ref, "AF31"].tos == 26 << 2
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        (row,) = db.query(CircuitDay).filter(CircuitDay.circuit_id == realtime.id).all()
        for silent in (plain, unresolvable):
            assert db.query(CircuitDay).filter(CircuitDay.circuit_id == silent.id).count() == 0
        day = DayArrays.unpack(row.up, row.unknown, row.rtt_ms, row.jitter_ms, row.loss)
        classes = {c.cos: DayArrays.unpack(row.up, row.unknown, c.rtt_ms, c.jitter_ms,
                                             c.loss)
                   for c in db.query(ClassDay).filter(ClassDay.circuit_id == realtime.id)}
    probed = ~np.isnan(day.rtt_ms)
    assert probed.sum() == 1 and day.rtt_ms[probed][0] == pytest.approx(ef.rtt_ms, rel=1e-6)
    # the other classes' figures are kept apart, each in its class day row, same minute
    assert sorted(classes) == ["AF31", "BE"]
    for cos, kept in classes.items():
        measured = report.results[realtime.ref, cos]
        assert (~np.isnan(kept.rtt_ms)).sum() == 1
        assert kept.rtt_ms[probed][0] == pytest.approx(measured.rtt_ms, rel=1e-6)
        assert kept.loss[probed][0] == round(measured.loss_pct * 100)
    # an answered probe is a sign of life: its minute is up (and that minute only)
    assert (~day.unknown).sum() == 1 and day.up[probed].all()
    lost = sum(r.sent - r.received for r in report.results.values())
    assert lost == 3  # one in ten per class, in a row of 30 packets to one reflector
    exposition = client.get("/metrics", headers=metrics_headers).text
    assert f'socle_probe_rtt_ms{{circuit="{realtime.ref}",cos="EF"}}' in exposition
    assert "socle_probe_loss_ratio{" in exposition
