"""The SLA engine and the month arithmetic, without a database: hand-computed figures
on small matrices (one line per circuit, one column per minute)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from controlplane.errors import InvalidInput
from network.sla import engine
from network.sla.codec import DayArrays, Matrix, unpack_days
from network.sla.period import month_period, month_range

NAN = np.nan


def _matrix(up: list[list[int]], unknown: list[list[int]] | None = None,
            rtt: list[list[float]] | None = None) -> Matrix:
    shape = np.array(up).shape
    nan = np.full(shape, np.nan, np.float32)
    return Matrix(
        up=np.array(up, np.bool_),
        unknown=np.array(unknown, np.bool_) if unknown else np.zeros(shape, np.bool_),
        rtt_ms=np.array(rtt, np.float32) if rtt else nan,
        jitter_ms=nan, loss_pct=nan,
    )


def _mask(minutes: int, *windows: tuple[int, int, int], circuits: int = 1) -> np.ndarray:
    """Windows as (line, first minute, end minute)."""
    lines, starts, ends = (np.array(v, np.intp) for v in zip(*windows, strict=True))
    return engine.maintenance_mask(circuits, minutes, lines, starts, ends)


def test_an_outage_fully_inside_a_maintenance_window_costs_nothing() -> None:
    # 20 minutes, down at minutes 5..9 (5 minutes), window over minutes 4..11 (8 minutes).
    # measured = 20 − 8 = 12, all up → 12/12 = 100 %.
    up = [[0 if 5 <= m < 10 else 1 for m in range(20)]]
    figures = engine.compute(_matrix(up), _mask(20, (0, 4, 12)))
    assert (figures.maintenance[0], figures.measured[0], figures.down[0]) == (8, 12, 0)
    assert figures.availability_pct[0] == 100.0


def test_an_outage_partly_in_a_window_counts_only_outside_it() -> None:
    # 20 minutes, down at minutes 5..9 (5), window over minutes 8..13 (6): minutes 8 and 9
    # of the outage are excused, 5, 6, 7 count. measured = 20 − 6 = 14, down = 3,
    # availability = 11/14 = 78.5714... %.
    up = [[0 if 5 <= m < 10 else 1 for m in range(20)]]
    figures = engine.compute(_matrix(up), _mask(20, (0, 8, 14)))
    assert (figures.maintenance[0], figures.measured[0], figures.down[0]) == (6, 14, 3)
    assert figures.availability_pct[0] == pytest.approx(100 * 11 / 14)


def test_overlapping_windows_are_counted_once_and_stay_on_their_line() -> None:
    # line 0: windows 2..5 and 4..7 → minutes 2..7 = 6; line 1 has no window.
    mask = _mask(10, (0, 2, 6), (0, 4, 8), circuits=2)
    figures = engine.compute(_matrix([[1] * 10, [1] * 10]), mask)
    assert list(figures.maintenance) == [6, 0]


def test_unknown_minutes_are_neither_up_nor_down_and_leave_the_denominator() -> None:
    # 10 minutes: 3 unknown (the stored "up" bit under them is ignored), 1 down, 6 up.
    # measured = 10 − 3 = 7, availability = 6/7 = 85.714... %.
    up = [[1, 1, 0, 1, 1, 1, 1, 1, 1, 1]]
    unknown = [[0, 0, 0, 1, 1, 1, 0, 0, 0, 0]]
    figures = engine.compute(_matrix(up, unknown), np.zeros((1, 10), np.bool_))
    assert (figures.unknown[0], figures.measured[0], figures.up[0]) == (3, 7, 6)
    assert figures.availability_pct[0] == pytest.approx(600 / 7)


def test_nothing_measured_gives_no_availability() -> None:
    figures = engine.compute(_matrix([[0, 0]], [[1, 1]]), np.zeros((1, 2), np.bool_))
    assert np.isnan(figures.availability_pct[0]) and figures.measured[0] == 0


def test_p95_is_the_nearest_rank_of_the_kept_values() -> None:
    # line 0: 1..100 shuffled → the ⌈0.95·100⌉ = 95th smallest = 95.
    # line 1: 1..20 and NaN (no probe) → ⌈0.95·20⌉ = 19th = 19.
    # line 2: 1..100 with the 10 largest in maintenance → 1..90, ⌈85.5⌉ = 86th = 86.
    rng = np.random.default_rng(7)
    values = np.full((3, 100), np.nan, np.float32)
    values[0] = rng.permutation(np.arange(1, 101))
    values[1, :20] = rng.permutation(np.arange(1, 21))
    values[2] = np.arange(1, 101)
    keep = np.ones((3, 100), np.bool_)
    keep[2, 90:] = False
    assert list(engine.nearest_rank(values, keep)) == [95.0, 19.0, 86.0]
    assert np.isnan(engine.nearest_rank(np.full((1, 4), np.nan, np.float32),
                                        np.ones((1, 4), np.bool_))[0])


def _targets(n: int, **terms: float) -> engine.Targets:
    base = {"availability_pct": 99.9, "latency_p95_ms": 50, "jitter_p95_ms": 10,
            "loss_pct": 0.5, "monthly_fee_cents": 100_000, "penalty_step_pct": 0.1,
            "penalty_pct_per_step": 5, "penalty_cap_pct": 30} | terms
    return engine.Targets(**{k: np.full(n, float(v)) for k, v in base.items()})


def _figures(availability: list[float], rtt: list[float]) -> engine.Figures:
    n = len(availability)
    ints = np.zeros(n, np.int64)
    return engine.Figures(minutes=ints, maintenance=ints, unknown=ints, up=ints,
                          availability_pct=np.array(availability), rtt_p95_ms=np.array(rtt),
                          jitter_p95_ms=np.full(n, 1.0), loss_pct=np.zeros(n),
                          loss_minutes=ints)


def test_penalties_per_started_step_below_target_and_capped() -> None:
    # target 99.9, 5 % of 1,000.00 € per started 0.1 point, cap 30 %:
    # 99.9 → no breach; 99.85 → 0.05 → 1 step → 5 % = 5,000 c;
    # 99.7 → 0.2 → 2 steps (not 3: 0.20000000000000284 is rounded) → 10 % = 10,000 c;
    # 97.0 → 2.9 → 29 steps → 145 % capped at 30 % = 30,000 c; NaN (nothing measured) → none.
    figures = _figures([99.9, 99.85, 99.7, 97.0, NAN], [10, 60, 10, 10, NAN])
    assessed = engine.assess(figures, _targets(5))
    assert list(assessed.availability) == [False, True, True, True, False]
    assert list(assessed.penalty_pct) == [0, 5, 10, 30, 0]
    assert list(assessed.penalty_cents) == [0, 5_000, 10_000, 30_000, 0]
    assert list(assessed.latency) == [False, True, False, False, False]


def test_no_contract_no_breach() -> None:
    assessed = engine.assess(_figures([50.0], [900.0]), _targets(1, availability_pct=NAN,
                                                                 latency_p95_ms=NAN))
    assert not assessed.any[0] and assessed.penalty_cents[0] == 0


def test_groups_pool_minutes_and_keep_the_worst_p95() -> None:
    # circuit 0: 10 min, 9 up; circuit 1: 10 min, 1 unknown, 9 up; group = (9+9)/(10+9).
    up = [[1] * 9 + [0], [1] * 10]
    unknown = [[0] * 10, [1] + [0] * 9]
    rtt = [[5.0] * 10, [8.0] * 10]
    figures = engine.compute(_matrix(up, unknown, rtt), np.zeros((2, 10), np.bool_))
    assessed = engine.assess(figures, _targets(2))
    totals = engine.totals(figures, assessed, np.array([0, 0]), 1)
    assert totals.figures.availability_pct[0] == pytest.approx(100 * 18 / 19)
    assert totals.figures.rtt_p95_ms[0] == 8.0 and totals.circuits[0] == 2
    assert totals.breaching[0] == 1  # circuit 0: 90 % < 99.9 %


def test_days_unpack_side_by_side_and_missing_days_are_unknown() -> None:
    day = DayArrays.blank()
    day.up[:] = True
    day.unknown[:] = False
    day.rtt_ms[3] = 12.5
    first, second = datetime(2026, 12, 1).date(), datetime(2026, 12, 2).date()
    packed = day.pack()
    rows = [(7, second, packed["up"], packed["unknown"], packed["rtt_ms"],
             packed["jitter_ms"], packed["loss"])]
    matrix = unpack_days(rows, [7, 8], [first, second])
    assert matrix.up.shape == (2, 2880)
    assert matrix.unknown[0, :1440].all() and not matrix.unknown[0, 1440:].any()
    assert matrix.up[0, 1440:].all() and matrix.rtt_ms[0, 1443] == np.float32(12.5)
    assert matrix.unknown[1].all() and np.isnan(matrix.loss_pct).all()


def test_a_month_is_a_calendar_month_in_paris() -> None:
    december = month_period("2026-12")
    # 1 Dec 00:00 CET = 30 Nov 23:00 UTC; 31 days × 1,440 = 44,640 minutes.
    assert december.starts_at == datetime(2026, 11, 30, 23, tzinfo=UTC)
    assert december.ends_at == datetime(2026, 12, 31, 23, tzinfo=UTC)
    assert (december.minutes, december.offset, len(december.days)) == (44_640, 1380, 32)
    # March: clocks go forward on the 29th, 31 × 1,440 − 60 = 44,580 minutes;
    # October: back on the 25th, 31 × 1,440 + 60 = 44,700.
    assert month_period("2026-03").minutes == 44_580
    assert month_period("2026-10").minutes == 44_700
    assert month_period("2026-07").starts_at == datetime(2026, 6, 30, 22, tzinfo=UTC)
    assert december.minute_of(datetime(2026, 11, 30, 22, 59, tzinfo=UTC)) == 0  # clipped
    # 00:00:30 UTC is 60.5 minutes in: minute 60 (floor), and a window ending then
    # covers minute 60 too (ceil: end index 61).
    at = datetime(2026, 12, 1, 0, 0, 30, tzinfo=UTC)
    assert (december.minute_of(at), december.minute_of(at, ceil=True)) == (60, 61)


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "december", "1999-12", ""])
def test_a_malformed_month_names_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        month_period(text)
    assert caught.value.errors[0].field == "period"


def test_a_range_of_months() -> None:
    assert [p.month for p in month_range("2026-11", "2027-02")] == [
        "2026-11", "2026-12", "2027-01", "2027-02"]
    with pytest.raises(InvalidInput) as caught:
        month_range("2026-12", "2026-11")
    assert caught.value.errors[0].field == "to"
    with pytest.raises(InvalidInput):
        month_range("2020-01", "2026-01")
