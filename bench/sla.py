"""SLA engine bench: one month at one-minute resolution for 10,000 circuits.

``python bench/sla.py`` (about a minute on 2 cores, ~1.5 GB of memory at its peak).

Data: December 2026 (Europe/Paris, 44,640 minutes over 32 UTC days), 10,000 circuits
of 20 providers, generated with a fixed seed **in memory** as day rows, the exact
``(circuit_id, day, up, unknown, rtt_ms, jitter_ms, loss)`` tuples the database returns
(packed bitmaps and float32/uint16 arrays), 250 circuits at a time (what the service
reads per batch), so the whole month never sits in memory at once. Random down and
unknown minutes, one outage per circuit, per-minute RTT/jitter/loss; one maintenance
window per provider across a midnight and 500 circuit windows.

Socle: :func:`network.sla.evaluation.compute_batch` on each batch (unpack, maintenance
masks, availability, p95, loss), then contract assessment and grouping by provider.
Only that is timed (``engine_s``), not the generation.

Anchor, same run, same rows: the naive way, a pure-Python loop over every minute of
each circuit (decode the bytes, test each minute against the windows, collect the
values, sort for p95), on a subset of circuits, extrapolated linearly to 10,000
(``anchor_s``). Its figures must equal the engine's for that subset, or the bench fails.
The last line is ``bench sla: ... ratio=engine_s/anchor_s`` (below 1: Socle is faster).
"""

from __future__ import annotations

import math
import struct
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import numpy as np

from network.sla import engine
from network.sla.codec import LOSS_SCALE, LOSS_UNKNOWN, MINUTES_PER_DAY
from network.sla.evaluation import BATCH, CircuitRow, Window, compute_batch
from network.sla.period import Period, month_period

CIRCUITS = 10_000
PROVIDERS = 20
MONTH = "2026-12"
ANCHOR_CIRCUITS = 20
SEED = 20261201

Rows = list[tuple[Any, ...]]


def circuits() -> list[CircuitRow]:
    """The region: circuits spread over providers and departments."""
    return [CircuitRow(i + 1, f"CIR-{i + 1:05d}", i % PROVIDERS + 1, f"operator-{i % PROVIDERS}",
                       "standard", f"{i % 13 + 1:02d}", "000000000", "business")
            for i in range(CIRCUITS)]


def windows(period: Period, rng: np.random.Generator) -> list[Window]:
    """A 4-hour window per provider across a midnight, and 500 two-hour circuit windows."""
    found = [Window(None, p + 1, start, start + 240)
             for p, start in enumerate(range(1380 + 1440 * 3, period.minutes, 1440)[:PROVIDERS])]
    for circuit in rng.choice(CIRCUITS, 500, replace=False):
        start = int(rng.integers(0, period.minutes - 120))
        found.append(Window(int(circuit) + 1, None, start, start + 120))
    return found


def day_rows(batch: Sequence[CircuitRow], period: Period, rng: np.random.Generator) -> Rows:
    """A month of day rows for ``batch``, packed as stored."""
    n, days = len(batch), period.days
    shape = (n, len(days) * MINUTES_PER_DAY)
    draw = rng.random(shape, np.float32)  # < 0.0005: down, < 0.0025: unknown, > 0.99: loss
    up = draw >= 0.0005
    unknown = (draw >= 0.0005) & (draw < 0.0025)
    for i, start in enumerate(rng.integers(0, shape[1] - 180, n)):  # a ≤ 3-hour outage each
        up[i, start:start + int(rng.integers(1, 180))] = False
    rtt = 8 + 12 * rng.random(shape, np.float32)  # 8..20 ms
    jitter = 2 * rng.random(shape, np.float32)  # 0..2 ms
    loss = np.where(draw > 0.99, (draw - 0.99) * 50_000, 0).astype(np.uint16)  # ≤ 5 %
    loss[unknown] = LOSS_UNKNOWN
    rtt[unknown] = np.nan
    per_day = (n, len(days), MINUTES_PER_DAY)
    up_bits = np.packbits(up.reshape(per_day), axis=-1)
    unknown_bits = np.packbits(unknown.reshape(per_day), axis=-1)
    rtt, jitter, loss = (a.reshape(per_day) for a in (rtt, jitter, loss))
    return [(c.id, day, up_bits[i, d].tobytes(), unknown_bits[i, d].tobytes(),
             rtt[i, d].tobytes(), jitter[i, d].tobytes(), loss[i, d].tobytes())
            for i, c in enumerate(batch) for d, day in enumerate(days)]


def batches(period: Period) -> Iterator[tuple[list[CircuitRow], Rows]]:
    """Batches of circuits and their day rows, generated on the fly."""
    rng = np.random.default_rng(SEED)
    region = circuits()
    for first in range(0, CIRCUITS, BATCH):
        batch = region[first:first + BATCH]
        yield batch, day_rows(batch, period, rng)


def naive(rows: Rows, circuit: CircuitRow, period: Period,
          windows: Sequence[Window]) -> tuple[float, float, float, float]:
    """One circuit's availability, RTT p95, jitter p95 and loss, minute by minute in
    pure Python (the anchor)."""
    mine = [(w.start, w.end) for w in windows
            if w.circuit_id == circuit.id or w.provider_id == circuit.provider_id]
    days = {row[1]: row for row in rows if row[0] == circuit.id}
    up = measured = 0
    rtts: list[float] = []
    jitters: list[float] = []
    losses: list[float] = []
    for minute in range(period.minutes):
        if any(start <= minute < end for start, end in mine):
            continue
        at = period.starts_at + timedelta(minutes=minute)
        row = days.get(at.date())
        if row is None:
            continue
        index = at.hour * 60 + at.minute
        bit = 0x80 >> (index % 8)
        if not row[3][index // 8] & bit:
            measured += 1
            up += bool(row[2][index // 8] & bit)
        (rtt,) = struct.unpack_from("<f", row[4], index * 4)
        (jitter,) = struct.unpack_from("<f", row[5], index * 4)
        (loss,) = struct.unpack_from("<H", row[6], index * 2)
        if not math.isnan(rtt):
            rtts.append(rtt)
        if not math.isnan(jitter):
            jitters.append(jitter)
        if loss != LOSS_UNKNOWN:
            losses.append(loss / LOSS_SCALE)

    def p95(values: list[float]) -> float:
        return sorted(values)[max(math.ceil(0.95 * len(values)) - 1, 0)]

    return (100.0 * up / measured, p95(rtts), p95(jitters), sum(losses) / len(losses))


def main() -> int:
    """Run the bench; the last line is the summary."""
    period = month_period(MONTH)
    rng = np.random.default_rng(SEED + 1)
    planned = windows(period, rng)
    generate_s = engine_s = 0.0
    parts: list[engine.Figures] = []
    sample: tuple[list[CircuitRow], Rows] | None = None
    started = time.perf_counter()
    for batch, rows in batches(period):
        generate_s += time.perf_counter() - started
        started = time.perf_counter()
        parts.append(compute_batch(rows, batch, period, planned))
        engine_s += time.perf_counter() - started
        if sample is None:
            sample = (batch[:ANCHOR_CIRCUITS], rows)
        started = time.perf_counter()
    region = circuits()
    started = time.perf_counter()
    figures = engine.Figures.concat(parts)
    terms = {"availability_pct": 99.9, "latency_p95_ms": 25.0, "jitter_p95_ms": 5.0,
             "loss_pct": 0.1, "monthly_fee_cents": 100_000.0, "penalty_step_pct": 0.1,
             "penalty_pct_per_step": 5.0, "penalty_cap_pct": 30.0}
    targets = engine.Targets(**{k: np.full(CIRCUITS, v) for k, v in terms.items()})
    assessment = engine.assess(figures, targets)
    codes = np.array([c.provider_id - 1 for c in region], np.int64)
    totals = engine.totals(figures, assessment, codes, PROVIDERS)
    engine_s += time.perf_counter() - started

    assert sample is not None
    subset, rows = sample
    started = time.perf_counter()
    expected = [naive(rows, c, period, planned) for c in subset]
    anchor_subset_s = time.perf_counter() - started
    anchor_s = anchor_subset_s * CIRCUITS / len(subset)
    for i, (availability, rtt, jitter, loss) in enumerate(expected):
        got = (figures.availability_pct[i], figures.rtt_p95_ms[i], figures.jitter_p95_ms[i],
               figures.loss_pct[i])
        if not np.allclose(got, (availability, rtt, jitter, loss), rtol=1e-9, atol=1e-9):
            print(f"bench sla: FAILED: circuit {subset[i].ref}: engine {got} != naive "
                  f"{(availability, rtt, jitter, loss)}", file=sys.stderr)
            return 1

    measured = int(figures.measured.sum())
    print(f"data: {CIRCUITS} circuits × {period.minutes} minutes ({MONTH}, Europe/Paris), "
          f"{CIRCUITS * len(period.days)} day rows generated in memory in {generate_s:.1f} s")
    print(f"region: availability {100 * figures.up.sum() / measured:.4f} % over {measured} "
          f"measured minutes, {int(figures.unknown.sum())} unknown, "
          f"{int(figures.maintenance.sum())} in maintenance; {int(assessment.any.sum())} "
          f"circuits in breach, penalties {assessment.penalty_cents.sum() / 100:.2f} EUR; "
          f"worst provider {np.nanmin(totals.figures.availability_pct):.4f} %")
    print(f"socle engine: {engine_s:.2f} s for the region "
          f"({1e6 * engine_s / CIRCUITS:.0f} µs per circuit-month)")
    print(f"anchor (pure-Python loop over minutes): {anchor_subset_s:.2f} s for "
          f"{len(subset)} circuits, {anchor_s:.0f} s extrapolated to {CIRCUITS}; "
          "same figures as the engine for those circuits")
    print(f"bench sla: circuits={CIRCUITS} minutes={period.minutes} engine_s={engine_s:.2f} "
          f"anchor_s={anchor_s:.1f} ratio={engine_s / anchor_s:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
