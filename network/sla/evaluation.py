"""A month's figures for every circuit the caller sees, from the stored day rows.

Circuits are read through the caller's session, so an establishment's evaluation holds
its own circuits only (provider-wide maintenance windows, shared rows, still apply).
Day rows are read and computed :data:`BATCH` circuits at a time, so memory stays
bounded however large the region (a batch of 250 circuits over a month is ~250 MB of
arrays at its peak).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from controlplane.models import Tenant
from network import errors
from network.errors import store
from network.inventory.models import Circuit, Maintenance, Provider, Site
from network.sla import engine
from network.sla.codec import unpack_days
from network.sla.models import CircuitDay, SlaContract
from network.sla.period import Period

BATCH = 250
_TERMS = ("availability_pct", "latency_p95_ms", "jitter_p95_ms", "loss_pct",
          "monthly_fee_cents", "penalty_step_pct", "penalty_pct_per_step", "penalty_cap_pct")


@dataclass(frozen=True)
class CircuitRow:
    """What the report says of a circuit besides its figures."""

    id: int
    ref: str
    provider_id: int
    provider: str
    sla_class: str
    department: str
    tenant: str


@dataclass(frozen=True)
class Evaluation:
    """A month's per-circuit figures, terms and assessment (same order as ``circuits``)."""

    period: Period
    circuits: list[CircuitRow]
    figures: engine.Figures
    targets: engine.Targets
    assessment: engine.Assessment


def _circuits(
    db: Session, period: Period, circuit: str | None, provider: str | None,
    tenants: Collection[int] | None = None,
) -> list[CircuitRow]:
    """Active circuits, and any circuit with measurements in the period, by ref."""
    days = period.days
    stmt = (
        select(Circuit.id, Circuit.ref, Circuit.provider_id, Provider.name, Circuit.sla_class,
               Site.department, Tenant.finess)
        .join(Provider, Circuit.provider_id == Provider.id)
        .join(Site, Circuit.site_id == Site.id)
        .join(Tenant, Circuit.tenant_id == Tenant.id)
        .where(or_(
            Circuit.status == "active",
            Circuit.id.in_(select(CircuitDay.circuit_id).where(
                CircuitDay.day.between(days[0], days[-1]))),
        ))
        .order_by(Circuit.ref)
    )
    if circuit is not None:
        if store.find(db, Circuit, circuit) is None:
            raise errors.unknown_circuit("circuit", circuit)
        stmt = stmt.where(Circuit.ref == circuit)
    if provider is not None:
        stmt = stmt.where(Circuit.provider_id == store.reference(
            db, Provider, provider, field="provider").id)
    if tenants is not None:
        stmt = stmt.where(Circuit.tenant_id.in_(tenants))
    return [CircuitRow(*row) for row in db.execute(stmt)]


def _targets(db: Session, circuits: Sequence[CircuitRow]) -> engine.Targets:
    contracts = {(c.provider_id, c.sla_class): c for c in db.scalars(select(SlaContract))}
    terms = np.full((len(circuits), len(_TERMS)), np.nan)
    for i, circuit in enumerate(circuits):
        contract = contracts.get((circuit.provider_id, circuit.sla_class))
        if contract is not None:
            terms[i] = [getattr(contract, name) for name in _TERMS]
    return engine.Targets(*(terms[:, k] for k in range(len(_TERMS))))


@dataclass(frozen=True)
class Window:
    """A maintenance window as minute indexes of the period, on one circuit or on every
    circuit of a provider."""

    circuit_id: int | None
    provider_id: int | None
    start: int
    end: int


def _windows(db: Session, period: Period) -> list[Window]:
    """The windows open during the period (the caller's and the provider-wide ones)."""
    rows = db.execute(
        select(Maintenance.circuit_id, Maintenance.provider_id, Maintenance.starts_at,
               Maintenance.ends_at)
        .where(Maintenance.starts_at < period.ends_at, Maintenance.ends_at > period.starts_at)
    )
    return [Window(c, p, period.minute_of(s), period.minute_of(e, ceil=True))
            for c, p, s, e in rows]


def _mask(batch: Sequence[CircuitRow], period: Period, windows: Sequence[Window]) -> np.ndarray:
    line = {c.id: i for i, c in enumerate(batch)}
    providers = np.array([c.provider_id for c in batch], np.int64)
    hits = [
        np.array([line[w.circuit_id]], np.intp) if w.circuit_id in line
        else np.flatnonzero(providers == w.provider_id) if w.circuit_id is None
        else np.empty(0, np.intp)
        for w in windows
    ]
    counts = np.array([len(hit) for hit in hits], np.intp)
    return engine.maintenance_mask(
        len(batch), period.minutes,
        np.concatenate(hits) if hits else np.empty(0, np.intp),
        np.repeat(np.array([w.start for w in windows], np.intp), counts),
        np.repeat(np.array([w.end for w in windows], np.intp), counts),
    )


def compute_batch(
    rows: Sequence[Sequence[Any]], batch: Sequence[CircuitRow], period: Period,
    windows: Sequence[Window],
) -> engine.Figures:
    """The figures of the circuits of ``batch`` from their stored day rows ``(circuit_id,
    day, up, unknown, rtt_ms, jitter_ms, loss)`` (no database: the bench calls it too)."""
    matrix = unpack_days(rows, [c.id for c in batch], period.days)
    return engine.compute(matrix.window(period.offset, period.minutes),
                          _mask(batch, period, windows))


def evaluate(
    db: Session, period: Period, *, circuit: str | None = None, provider: str | None = None,
    tenants: Collection[int] | None = None,
) -> Evaluation:
    """Every visible circuit's figures for ``period`` and their assessment (only the
    circuits of ``tenants``, by tenant id, when given)."""
    circuits = _circuits(db, period, circuit, provider, tenants)
    windows = _windows(db, period)
    days = period.days
    parts = [compute_batch([], [], period, [])]  # keeps the shapes when there is no circuit
    for first in range(0, len(circuits), BATCH):
        batch = circuits[first:first + BATCH]
        rows = db.execute(
            select(CircuitDay.circuit_id, CircuitDay.day, CircuitDay.up, CircuitDay.unknown,
                   CircuitDay.rtt_ms, CircuitDay.jitter_ms, CircuitDay.loss,
                   CircuitDay.silent)
            .where(CircuitDay.circuit_id.in_([c.id for c in batch]),
                   CircuitDay.day.between(days[0], days[-1]))
        ).all()
        parts.append(compute_batch(rows, batch, period, windows))
    figures = engine.Figures.concat(parts)
    targets = _targets(db, circuits)
    return Evaluation(period, circuits, figures, targets, engine.assess(figures, targets))
