"""The SLA engine: pure, vectorised NumPy over many circuits at once (no database).

Minutes of the period are columns, circuits are lines. For each circuit:

- a minute inside a declared maintenance window is excluded from everything (a window
  covers a minute it touches even partly: start floored, end ceiled);
- an unknown minute (no sample) is neither up nor down: it is counted apart and left out
  of the availability's denominator;
- availability = up minutes / (minutes − maintenance − unknown);
- RTT and jitter p95 are nearest-rank percentiles (the ⌈0.95·n⌉-th smallest) of the
  per-minute values outside maintenance; loss is the mean of the per-minute loss there.

:func:`assess` compares the figures with each circuit's contract: breaches and the
availability penalty (per started step below target, capped).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from network.sla.codec import Matrix

PERCENTILE = 0.95
Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Figures:
    """Per-circuit results, arrays of shape (circuits,); NaN where nothing was measured."""

    minutes: Ints
    maintenance: Ints
    unknown: Ints
    up: Ints
    availability_pct: Floats
    rtt_p95_ms: Floats
    jitter_p95_ms: Floats
    loss_pct: Floats
    loss_minutes: Ints

    @property
    def measured(self) -> Ints:
        """Minutes that count: neither in maintenance nor unknown."""
        return self.minutes - self.maintenance - self.unknown

    @property
    def down(self) -> Ints:
        """Measured minutes that were not up."""
        return self.measured - self.up

    @classmethod
    def concat(cls, parts: list[Figures]) -> Figures:
        """Batches of circuits, end to end."""
        return cls(**{
            name: np.concatenate([getattr(p, name) for p in parts])
            for name in cls.__dataclass_fields__
        })


@dataclass(frozen=True)
class Targets:
    """Per-circuit contract terms, arrays of shape (circuits,); NaN: no contract."""

    availability_pct: Floats
    latency_p95_ms: Floats
    jitter_p95_ms: Floats
    loss_pct: Floats
    monthly_fee_cents: Floats
    penalty_step_pct: Floats
    penalty_pct_per_step: Floats
    penalty_cap_pct: Floats


@dataclass(frozen=True)
class Assessment:
    """Per-circuit breaches (boolean arrays) and availability penalty."""

    availability: NDArray[np.bool_]
    latency: NDArray[np.bool_]
    jitter: NDArray[np.bool_]
    loss: NDArray[np.bool_]
    penalty_pct: Floats
    penalty_cents: Floats

    @property
    def any(self) -> NDArray[np.bool_]:
        """Circuits with at least one breach."""
        return self.availability | self.latency | self.jitter | self.loss


def maintenance_mask(
    circuits: int, minutes: int, lines: Ints, starts: Ints, ends: Ints
) -> NDArray[np.bool_]:
    """(circuits, minutes) mask of the windows ``[starts[k], ends[k])`` on line
    ``lines[k]`` (minute indexes already clipped to the period). Overlapping windows
    simply add up: a difference array, then a running sum, on the lines with a window."""
    mask = np.zeros((circuits, minutes), np.bool_)
    touched, where = np.unique(lines, return_inverse=True)
    steps = np.zeros((len(touched), minutes + 1), np.int32)
    np.add.at(steps, (where, starts), 1)
    np.add.at(steps, (where, ends), -1)
    mask[touched] = np.cumsum(steps[:, :minutes], axis=1, dtype=np.int32) > 0
    return mask


def nearest_rank(values: NDArray[np.float32], keep: NDArray[np.bool_]) -> Floats:
    """Per line, the p95 (nearest rank) of ``values`` where ``keep`` and not NaN."""
    masked = np.where(keep, values, np.float32(np.nan))
    counts = np.count_nonzero(~np.isnan(masked), axis=1)
    ordered = np.sort(masked, axis=1)  # NaN sorts last
    rank = np.maximum(np.ceil(PERCENTILE * counts).astype(np.int64) - 1, 0)
    found = np.take_along_axis(ordered, rank[:, None], axis=1)[:, 0].astype(np.float64)
    return np.where(counts > 0, found, np.nan)


def compute(matrix: Matrix, maintenance: NDArray[np.bool_]) -> Figures:
    """The figures of every line of ``matrix`` (the period's minutes only)."""
    lines, minutes = matrix.up.shape
    outside = ~maintenance
    known = outside & ~matrix.unknown
    measured = np.count_nonzero(known, axis=1)
    up = np.count_nonzero(known & matrix.up, axis=1)
    loss_kept = np.where(outside, matrix.loss_pct, np.float32(np.nan))
    loss_minutes = np.count_nonzero(~np.isnan(loss_kept), axis=1)
    loss_sum = np.nansum(loss_kept, axis=1, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        availability = np.where(measured > 0, 100.0 * up / measured, np.nan)
        loss = np.where(loss_minutes > 0, loss_sum / loss_minutes, np.nan)
    return Figures(
        minutes=np.full(lines, minutes, np.int64),
        maintenance=np.count_nonzero(maintenance, axis=1).astype(np.int64),
        unknown=np.count_nonzero(outside & matrix.unknown, axis=1).astype(np.int64),
        up=up.astype(np.int64),
        availability_pct=availability,
        rtt_p95_ms=nearest_rank(matrix.rtt_ms, outside),
        jitter_p95_ms=nearest_rank(matrix.jitter_ms, outside),
        loss_pct=loss,
        loss_minutes=loss_minutes.astype(np.int64),
    )


def assess(figures: Figures, targets: Targets) -> Assessment:
    """Breaches of each circuit's contract, and its availability penalty.

    Nothing measured, or no contract, is no breach. The penalty is
    ``penalty_pct_per_step`` % of the monthly fee per started ``penalty_step_pct``
    point of availability below target, at most ``penalty_cap_pct`` %.
    """
    with np.errstate(invalid="ignore"):
        availability = figures.availability_pct < targets.availability_pct
        latency = figures.rtt_p95_ms > targets.latency_p95_ms
        jitter = figures.jitter_p95_ms > targets.jitter_p95_ms
        loss = figures.loss_pct > targets.loss_pct
        shortfall = np.where(availability, targets.availability_pct - figures.availability_pct, 0)
        # round first: 99.9 − 99.7 is 0.20000000000000284, two steps and not three
        steps = np.ceil(np.round(shortfall / targets.penalty_step_pct, 9))
        penalty_pct = np.where(
            availability,
            np.minimum(steps * targets.penalty_pct_per_step, targets.penalty_cap_pct),
            0.0,
        )
    penalty_cents = np.round(penalty_pct * targets.monthly_fee_cents / 100.0)
    return Assessment(availability, latency, jitter, loss, penalty_pct,
                      np.where(availability, penalty_cents, 0.0))


@dataclass(frozen=True)
class Totals:
    """Figures of groups of circuits (provider, department), arrays of shape (groups,).

    Minutes add up, so availability is pooled (Σ up / Σ measured); RTT and jitter are
    the worst circuit's p95 (a p95 of p95s means nothing); loss is weighted by the
    minutes each circuit measured it; breaches count circuits with at least one.
    """

    circuits: Ints
    figures: Figures
    breaching: Ints
    penalty_cents: Floats


def totals(figures: Figures, assessment: Assessment, codes: Ints, groups: int) -> Totals:
    """Sum the circuits of each group: ``codes[i]`` is circuit i's group in [0, groups)."""

    def add(values: NDArray[np.generic]) -> Floats:
        return np.bincount(codes, weights=values.astype(np.float64), minlength=groups)

    def worst(values: Floats) -> Floats:
        out = np.full(groups, np.nan)
        np.fmax.at(out, codes, values)
        return out

    minutes, maintenance, unknown, up = (
        add(a).astype(np.int64)
        for a in (figures.minutes, figures.maintenance, figures.unknown, figures.up)
    )
    loss_minutes = add(figures.loss_minutes).astype(np.int64)
    measured = minutes - maintenance - unknown
    loss_sum = add(np.nan_to_num(figures.loss_pct) * figures.loss_minutes)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = Figures(
            minutes=minutes,
            maintenance=maintenance,
            unknown=unknown,
            up=up,
            availability_pct=np.where(measured > 0, 100.0 * up / measured, np.nan),
            rtt_p95_ms=worst(figures.rtt_p95_ms),
            jitter_p95_ms=worst(figures.jitter_p95_ms),
            loss_pct=np.where(loss_minutes > 0, loss_sum / loss_minutes, np.nan),
            loss_minutes=loss_minutes,
        )
    return Totals(
        circuits=np.bincount(codes, minlength=groups).astype(np.int64),
        figures=pooled,
        breaching=add(assessment.any).astype(np.int64),
        penalty_cents=add(assessment.penalty_cents),
    )
