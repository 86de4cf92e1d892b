"""What the network pages show of the SLA: each site's status for a month and its state
now (what its circuits' latest poll and probe saw), and one circuit's figures day by day
(for its charts), computed by the SLA engine itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from network.inventory.models import Circuit
from network.polling.models import CircuitMonitor
from network.sla import engine
from network.sla.codec import MINUTES_PER_DAY, Matrix, unpack_days
from network.sla.evaluation import in_classes, top_class
from network.sla.ingest import POLLED_SILENT, state_now
from network.sla.models import CircuitDay, SlaContract
from network.sla.period import TIMEZONE, Period
from network.sla.schemas import SlaLine

# A site's status is its worst circuit's, in this order of gravity.
STATUS_ORDER = ("breach", "unknown", "ok")
STATUS_LABELS = {"breach": "Objectif manqué", "unknown": "Non mesuré", "ok": "Conforme"}
# Its state now, likewise: the latest minutes the SLA recorded.
NOW_ORDER = ("down", "unknown", "up")
NOW_LABELS = {"down": "Hors service", "unknown": "État inconnu", "up": "En service"}
NOW_BADGES = {"down": "breach", "unknown": "unknown", "up": "ok"}


def current_month(now: datetime | None = None) -> str:
    """The current calendar month in Europe/Paris, as ``YYYY-MM``."""
    return f"{(now or datetime.now(UTC)).astimezone(TIMEZONE):%Y-%m}"


def line_status(line: SlaLine | None) -> str:
    """``breach`` when a target was missed, ``ok`` when measured, else ``unknown``."""
    if line is not None and line.breaches:
        return "breach"
    return "unknown" if line is None or line.availability_pct is None else "ok"


def worst(statuses: Iterable[str]) -> str:
    """The gravest of ``statuses`` (``unknown`` when there is none)."""
    found = set(statuses)
    return next((status for status in STATUS_ORDER if status in found), "unknown")


def site_statuses(circuits: Iterable[Circuit], lines: dict[str, SlaLine]) -> dict[int, str]:
    """Each site's status (by site id) from its circuits' report lines."""
    by_site: dict[int, list[str]] = defaultdict(list)
    for circuit in circuits:
        by_site[circuit.site_id].append(line_status(lines.get(circuit.ref)))
    return {site_id: worst(statuses) for site_id, statuses in by_site.items()}


def now_states(db: Session, circuit_ids: Sequence[int], now: datetime,
               window: timedelta) -> dict[int, str]:
    """Each circuit's state now (``up``, ``down``, ``unknown``) from what its latest poll
    and probe saw within ``window`` before ``now``, by the SLA's rules
    (:func:`network.sla.ingest.state_now`); an answer older than a silent poll is
    history, not a sign of life now."""
    rows = db.execute(
        select(CircuitMonitor.circuit_id, CircuitMonitor.polled_state, CircuitMonitor.polled_at,
               CircuitMonitor.probed_state, CircuitMonitor.probed_at)
        .where(CircuitMonitor.circuit_id.in_(circuit_ids))
    ).all() if circuit_ids else []
    since = now - window
    states = dict.fromkeys(circuit_ids, "unknown")
    for circuit_id, polled, polled_at, probed, probed_at in rows:
        polled = polled if polled_at is not None and polled_at >= since else None
        probed = probed if probed_at is not None and probed_at >= since else None
        if polled == POLLED_SILENT and probed is not None and probed_at < polled_at:
            probed = None
        states[circuit_id] = state_now(polled, probed)
    return states


def site_now(circuits: Iterable[Circuit], states: dict[int, str]) -> dict[int, str]:
    """Each site's state now (by site id): its worst circuit's."""
    by_site: dict[int, list[str]] = defaultdict(list)
    for circuit in circuits:
        by_site[circuit.site_id].append(states.get(circuit.id, "unknown"))
    return {site_id: next((s for s in NOW_ORDER if s in found), "unknown")
            for site_id, found in by_site.items()}


@dataclass(frozen=True)
class DailyFigures:
    """One circuit's figures per UTC day of a period (None: nothing measured that day)."""

    labels: list[str]
    availability_pct: list[float | None]
    rtt_p95_ms: list[float | None]
    jitter_p95_ms: list[float | None]
    loss_pct: list[float | None]


def _values(array: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else round(float(v), 3) for v in array]


def daily_figures(db: Session, circuit: Circuit, period: Period, *,
                  cos: str | None = None) -> DailyFigures:
    """The circuit's availability, RTT/jitter p95 and loss (in class ``cos``, default its
    top class) for each UTC day of ``period``: the stored day rows unpacked and computed
    one day per line by :func:`network.sla.engine.compute` (maintenance windows are not
    excluded here)."""
    days = period.days
    swap = {circuit.id: cos} if cos and cos != top_class(circuit.cos_profile) else {}
    rows = in_classes(db, db.execute(
        select(CircuitDay.circuit_id, CircuitDay.day, CircuitDay.up, CircuitDay.unknown,
               CircuitDay.rtt_ms, CircuitDay.jitter_ms, CircuitDay.loss, CircuitDay.silent)
        .where(CircuitDay.circuit_id == circuit.id, CircuitDay.day.between(days[0], days[-1]))
    ).all(), swap, days)
    month = unpack_days(rows, [circuit.id], days)
    shape = (len(days), MINUTES_PER_DAY)
    per_day = Matrix(*(np.reshape(column, shape) for column in (
        month.up, month.unknown, month.rtt_ms, month.jitter_ms, month.loss_pct)))
    figures = engine.compute(per_day, np.zeros(shape, np.bool_))
    return DailyFigures(
        labels=[f"{day:%d/%m}" for day in days],
        availability_pct=_values(figures.availability_pct),
        rtt_p95_ms=_values(figures.rtt_p95_ms),
        jitter_p95_ms=_values(figures.jitter_p95_ms),
        loss_pct=_values(figures.loss_pct),
    )


def contract_of(db: Session, circuit: Circuit) -> SlaContract | None:
    """The SLA contract of the circuit's provider for its class, if any."""
    return db.scalar(select(SlaContract).where(
        SlaContract.provider_id == circuit.provider_id,
        SlaContract.sla_class == circuit.sla_class,
    ))
