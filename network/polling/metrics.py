"""Live poller and probe figures for Prometheus, in the process's default registry (so
``/metrics`` of the API shows them when polling runs in that process, and a standalone
poller serves them on its own ``--metrics-port``).

Each poll cycle replaces its shard's snapshot at once, and each probe round its own,
so a device or circuit that left the inventory leaves the exposition with them.

``socle_circuit_up`` follows the SLA's rules (network.sla.ingest): 0 when the interface
is reported down, or when the circuit's device was silent while the collector was
healthy and none of the circuit's probes answered in the latest round; 1 when the
interface is up or, its device unreadable (silent, refusing the credentials...), a probe
answered; absent when unknown.
``socle_circuit_in_maintenance`` says which circuits a maintenance window holds, so
alert rules stay quiet on planned work.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

RATE_NAMES = ("in_octets", "out_octets", "in_errors", "out_errors", "in_discards",
              "out_discards")


@dataclass(frozen=True)
class InterfaceFigures:
    """Per-second rates of one interface (None: unknown)."""

    device: str
    if_index: int
    oper_up: bool | None
    rates: dict[str, float | None]


@dataclass(frozen=True)
class CycleSnapshot:
    """What one poll cycle of a shard saw."""

    shard: str
    finished_at: float
    duration: float
    lag: float
    devices: dict[str, str | None]  # hostname → None if reachable, else the reason
    circuits_up: dict[str, bool]  # circuit ref → up (unknown circuits are left out)
    interfaces: list[InterfaceFigures] = field(default_factory=list)
    circuits_unread: frozenset[str] = frozenset()  # the poll could not say up or down
    circuits_silent: frozenset[str] = frozenset()  # of those: silent on a healthy cycle
    in_maintenance: dict[str, bool] = field(default_factory=dict)  # every watched circuit


@dataclass(frozen=True)
class ProbeFigures:
    """One probe run of a circuit and class of service."""

    circuit: str
    cos: str
    rtt_ms: float | None
    jitter_ms: float | None
    loss_ratio: float


@dataclass(frozen=True)
class SlaFigures:
    """A circuit's availability in the running month so far, and its target (NaN: none)."""

    circuit: str
    provider: str
    availability_pct: float
    target_pct: float


class _Collector(Collector):
    """Yields the latest snapshots (module doc)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cycles: dict[str, CycleSnapshot] = {}
        self._probes: dict[tuple[str, str], ProbeFigures] = {}
        self._probe_round: float | None = None
        self._sla: list[SlaFigures] = []

    def cycle(self, snapshot: CycleSnapshot) -> None:
        with self._lock:
            self._cycles[snapshot.shard] = snapshot

    def probes(self, figures: list[ProbeFigures], finished_at: float) -> None:
        with self._lock:
            self._probes = {(f.circuit, f.cos): f for f in figures}
            self._probe_round = finished_at

    def sla(self, figures: list[SlaFigures]) -> None:
        with self._lock:
            self._sla = list(figures)

    def clear(self) -> None:
        with self._lock:
            self._cycles.clear()
            self._probes.clear()
            self._probe_round = None
            self._sla = []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            cycles = list(self._cycles.values())
            probes = list(self._probes.values())
            probe_round = self._probe_round
            sla = self._sla
        answered = {p.circuit for p in probes if p.loss_ratio < 1}
        yield from _cycle_families(cycles, answered)
        yield from _probe_families(probes, probe_round)
        yield from _sla_families(sla)


def _cycle_families(
    cycles: list[CycleSnapshot], answered: set[str]
) -> Iterator[GaugeMetricFamily]:
    """The poller's figures; ``answered``: circuits a probe answered in the last round."""
    last = GaugeMetricFamily("socle_poller_last_cycle_timestamp_seconds",
                             "When the shard's last poll cycle ended (epoch).", labels=["shard"])
    duration = GaugeMetricFamily("socle_poller_cycle_duration_seconds",
                                 "How long the shard's last poll cycle took.", labels=["shard"])
    lag = GaugeMetricFamily("socle_poller_lag_seconds",
                            "How late the shard's last cycle started against its schedule.",
                            labels=["shard"])
    unreachable = GaugeMetricFamily("socle_poller_unreachable_devices",
                                    "Devices of the shard the last cycle could not poll.",
                                    labels=["shard"])
    device_up = GaugeMetricFamily("socle_device_snmp_up",
                                  "1 if the device answered the last poll, 0 if not.",
                                  labels=["device", "reason"])
    circuit_up = GaugeMetricFamily(
        "socle_circuit_up", "1 if the circuit was up at the last poll, 0 if down (interface "
        "down, or its device silent and its probes unanswered); absent when unknown.",
        labels=["circuit"])
    maintenance = GaugeMetricFamily(
        "socle_circuit_in_maintenance",
        "1 while a maintenance window holds the circuit (or its provider's network).",
        labels=["circuit"])
    oper = GaugeMetricFamily("socle_interface_oper_up", "1 if ifOperStatus is up.",
                             labels=["device", "if_index"])
    rates = {name: GaugeMetricFamily(f"socle_interface_{name}_per_second",
                                     f"Rate of the interface's {name} counter.",
                                     labels=["device", "if_index"]) for name in RATE_NAMES}
    for c in cycles:
        last.add_metric([c.shard], c.finished_at)
        duration.add_metric([c.shard], c.duration)
        lag.add_metric([c.shard], c.lag)
        unreachable.add_metric([c.shard], sum(1 for r in c.devices.values() if r is not None))
        for device, reason in c.devices.items():
            device_up.add_metric([device, reason or ""], 0 if reason else 1)
        for ref, up in c.circuits_up.items():
            circuit_up.add_metric([ref], 1 if up else 0)
        for ref in c.circuits_unread:
            if ref in answered or ref in c.circuits_silent:
                circuit_up.add_metric([ref], 1 if ref in answered else 0)
        for ref, held in c.in_maintenance.items():
            maintenance.add_metric([ref], 1 if held else 0)
        for itf in c.interfaces:
            labels = [itf.device, str(itf.if_index)]
            if itf.oper_up is not None:
                oper.add_metric(labels, 1 if itf.oper_up else 0)
            for name, value in itf.rates.items():
                if value is not None:
                    rates[name].add_metric(labels, value)
    yield from (last, duration, lag, unreachable, device_up, circuit_up, maintenance, oper,
                *rates.values())


def _probe_families(
    probes: list[ProbeFigures], finished_at: float | None
) -> Iterator[GaugeMetricFamily]:
    labels = ["circuit", "cos"]
    rtt = GaugeMetricFamily("socle_probe_rtt_ms", "Mean round-trip time of the last probes.",
                            labels=labels)
    jitter = GaugeMetricFamily("socle_probe_jitter_ms",
                               "Mean variation between successive round-trip times.",
                               labels=labels)
    loss = GaugeMetricFamily("socle_probe_loss_ratio", "Share of probes lost (0..1).",
                             labels=labels)
    last = GaugeMetricFamily("socle_probe_last_round_timestamp_seconds",
                             "When the last probe round ended (epoch).")
    for p in probes:
        key = [p.circuit, p.cos]
        if p.rtt_ms is not None:
            rtt.add_metric(key, p.rtt_ms)
        if p.jitter_ms is not None:
            jitter.add_metric(key, p.jitter_ms)
        loss.add_metric(key, p.loss_ratio)
    if finished_at is not None:
        last.add_metric([], finished_at)
    yield from (rtt, jitter, loss, last)


def _sla_families(figures: list[SlaFigures]) -> Iterator[GaugeMetricFamily]:
    labels = ["circuit", "provider"]
    availability = GaugeMetricFamily("socle_sla_availability_pct",
                                     "Availability of the running month so far (%).",
                                     labels=labels)
    target = GaugeMetricFamily("socle_sla_availability_target_pct",
                               "Availability the circuit's contract promises (%).", labels=labels)
    for f in figures:
        if f.availability_pct == f.availability_pct:  # not NaN: something was measured
            availability.add_metric([f.circuit, f.provider], f.availability_pct)
        if f.target_pct == f.target_pct:
            target.add_metric([f.circuit, f.provider], f.target_pct)
    yield from (availability, target)


LIVE = _Collector()
REGISTRY.register(LIVE)
