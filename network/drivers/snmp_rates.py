"""Per-interface rates from two successive samples of a device (pure functions).

Counters are read modulo their width (64 bits for ifHC*Octets, 32 for errors and
discards), so one wrap between samples is handled; a step of more than half the range
is taken for a counter reset, not a wrap, and gives no rate. A device whose sysUpTime
did not advance with the wall clock (it went backwards, or advanced much less than the
time between samples) rebooted: the interval is flagged `reset` and has no rates.
Rates are per second of the device's own clock (sysUpTime's advance, read in the same
response as the counters), so delays on the poller's side do not skew them.
A missing sample or value gives None (unknown), never zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from network.drivers.snmp_types import DeviceSample

UPTIME_WIDTH = 32  # sysUpTime is TimeTicks: hundredths of a second modulo 2**32
COUNTER_WIDTHS = {
    "hc_in_octets": 64,
    "hc_out_octets": 64,
    "in_errors": 32,
    "out_errors": 32,
    "in_discards": 32,
    "out_discards": 32,
}


@dataclass(frozen=True)
class InterfaceRates:
    """Per-second rates of one interface over an interval; None where unknown."""

    if_index: int
    oper_status: int | None
    in_octets: float | None = None
    out_octets: float | None = None
    in_errors: float | None = None
    out_errors: float | None = None
    in_discards: float | None = None
    out_discards: float | None = None


@dataclass(frozen=True)
class DeviceRates:
    """Rates of a device's interfaces between two samples. `interval` (seconds) is None
    without a usable previous sample; `reset` says the device rebooted in between (then
    every rate is None)."""

    device: str
    interval: float | None
    reset: bool
    interfaces: tuple[InterfaceRates, ...]


def counter_delta(previous: int, current: int, width: int) -> int | None:
    """How much a `width`-bit counter grew from `previous` to `current`, across at most
    one wrap; None when the step is more than half the range (a reset, not a wrap)."""
    delta = (current - previous) % (1 << width)
    return delta if delta < 1 << (width - 1) else None


def rebooted(
    previous: DeviceSample,
    current: DeviceSample,
    *,
    tolerance: float = 5.0,
    tolerance_ratio: float = 0.1,
) -> bool:
    """True if sysUpTime's advance disagrees with the time between the samples by more
    than `tolerance` seconds or `tolerance_ratio` of that time."""
    elapsed = current.taken_at - previous.taken_at
    return abs(uptime_advance(previous, current) - elapsed) > max(
        tolerance, tolerance_ratio * elapsed
    )


def uptime_advance(previous: DeviceSample, current: DeviceSample) -> float:
    """Seconds sysUpTime advanced between the samples, modulo its 32-bit width."""
    return ((current.sys_uptime - previous.sys_uptime) % (1 << UPTIME_WIDTH)) / 100


def compute_rates(previous: DeviceSample | None, current: DeviceSample) -> DeviceRates:
    """Per-interface rates between `previous` (None: no usable sample) and `current`."""
    if previous is None or current.taken_at <= previous.taken_at:
        return DeviceRates(current.device, None, False, _unknown(current))
    if rebooted(previous, current):
        elapsed = current.taken_at - previous.taken_at
        return DeviceRates(current.device, elapsed, True, _unknown(current))
    interval = uptime_advance(previous, current) or current.taken_at - previous.taken_at
    rates = []
    for itf in current.interfaces:
        before = previous.interface(itf.if_index)
        values = {}
        for name, width in COUNTER_WIDTHS.items():
            old = getattr(before, name) if before is not None else None
            new = getattr(itf, name)
            delta = counter_delta(old, new, width) if old is not None and new is not None else None
            values[name.removeprefix("hc_")] = delta / interval if delta is not None else None
        rates.append(InterfaceRates(itf.if_index, itf.oper_status, **values))
    return DeviceRates(current.device, interval, False, tuple(rates))


def _unknown(sample: DeviceSample) -> tuple[InterfaceRates, ...]:
    return tuple(InterfaceRates(itf.if_index, itf.oper_status) for itf in sample.interfaces)

