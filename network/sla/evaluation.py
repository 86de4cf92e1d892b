"""A month's figures for every circuit the caller sees, from the stored day rows.

Circuits are read through the caller's session, so an establishment's evaluation holds
its own circuits only (provider-wide maintenance windows, shared rows, still apply).
Day rows are read and computed :data:`BATCH` circuits at a time, so memory stays
bounded however large the region (a batch of 250 circuits over a month is ~250 MB of
arrays at its peak).

A circuit's latency, jitter and loss are measured in the class of service its contract
names (its top class when the contract names none, or when it has no contract): for
another class, its class day rows replace the day rows' probe figures; a class the
circuit is not probed in leaves them unmeasured (None, never met).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from controlplane.models import Tenant
from network import errors
from network.errors import store
from network.inventory.models import Circuit, Maintenance, Provider, Site
from network.inventory.schemas import PROFILE_CLASSES, ClassOfService
from network.sla import engine
from network.sla.codec import DayArrays, unpack_days
from network.sla.models import CircuitDay, ClassDay, SlaContract
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
    cos_profile: str


@dataclass(frozen=True)
class Evaluation:
    """A month's per-circuit figures, terms and assessment (same order as ``circuits``);
    ``classes``: the class of service each circuit's latency, jitter and loss are
    measured in."""

    period: Period
    circuits: list[CircuitRow]
    classes: list[str]
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
               Site.department, Tenant.finess, Circuit.cos_profile)
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


Contracts = dict[tuple[int, str], SlaContract]


def _contracts(db: Session) -> Contracts:
    """Every contract by (provider id, SLA class)."""
    return {(c.provider_id, c.sla_class): c for c in db.scalars(select(SlaContract))}


def _targets(contracts: Contracts, circuits: Sequence[CircuitRow]) -> engine.Targets:
    terms = np.full((len(circuits), len(_TERMS)), np.nan)
    for i, circuit in enumerate(circuits):
        contract = contracts.get((circuit.provider_id, circuit.sla_class))
        if contract is not None:
            terms[i] = [getattr(contract, name) for name in _TERMS]
    return engine.Targets(*(terms[:, k] for k in range(len(_TERMS))))


def top_class(cos_profile: str) -> str:
    """The class of service a circuit's day rows hold the probe figures of."""
    return PROFILE_CLASSES.get(cos_profile, (ClassOfService.BE,))[0]


def measured_class(contract: SlaContract | None, cos_profile: str) -> str:
    """The class a circuit's latency, jitter and loss are judged in (see the module)."""
    return str(contract.cos) if contract is not None and contract.cos else top_class(cos_profile)


def _classes(contracts: Contracts, circuits: Sequence[CircuitRow]) -> list[str]:
    return [measured_class(contracts.get((c.provider_id, c.sla_class)), c.cos_profile)
            for c in circuits]


def in_classes(db: Session, rows: Sequence[Any], swap: dict[int, str],
                days: Sequence[date]) -> list[Any]:
    """Day rows whose circuit is in ``swap`` get the probe figures of the class it names
    (none stored that day: unmeasured)."""
    if not swap:
        return list(rows)
    found = {
        (circuit, day): (rtt, jitter, loss)
        for circuit, day, cos, rtt, jitter, loss in db.execute(
            select(ClassDay.circuit_id, ClassDay.day, ClassDay.cos, ClassDay.rtt_ms,
                   ClassDay.jitter_ms, ClassDay.loss)
            .where(ClassDay.circuit_id.in_(swap), ClassDay.cos.in_(set(swap.values())),
                   ClassDay.day.between(days[0], days[-1])))
        if swap[circuit] == cos
    }
    blank = DayArrays.blank().pack()
    unmeasured = (blank["rtt_ms"], blank["jitter_ms"], blank["loss"])
    return [(*row[:4], *found.get((row[0], row[1]), unmeasured), *row[7:])
            if row[0] in swap else row for row in rows]


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
    contracts = _contracts(db)
    classes = _classes(contracts, circuits)
    windows = _windows(db, period)
    days = period.days
    parts = [compute_batch([], [], period, [])]  # keeps the shapes when there is no circuit
    for first in range(0, len(circuits), BATCH):
        batch = circuits[first:first + BATCH]
        swap = {c.id: cos for c, cos in zip(batch, classes[first:first + BATCH], strict=True)
                if cos != top_class(c.cos_profile)}
        rows = db.execute(
            select(CircuitDay.circuit_id, CircuitDay.day, CircuitDay.up, CircuitDay.unknown,
                   CircuitDay.rtt_ms, CircuitDay.jitter_ms, CircuitDay.loss,
                   CircuitDay.silent)
            .where(CircuitDay.circuit_id.in_([c.id for c in batch]),
                   CircuitDay.day.between(days[0], days[-1]))
        ).all()
        parts.append(compute_batch(in_classes(db, rows, swap, days), batch, period, windows))
    figures = engine.Figures.concat(parts)
    targets = _targets(contracts, circuits)
    return Evaluation(period, circuits, classes, figures, targets,
                      engine.assess(figures, targets))
