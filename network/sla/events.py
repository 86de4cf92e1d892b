"""SLA-breach events: Socle records, once per circuit, month and metric, that a circuit
fell under its contract (the month so far: minutes not yet measured are unknown, not
counted). Each new event is audited; running detection again, or two detectors at
once, records nothing twice (insert-or-ignore on the unique key).

Detection also publishes each circuit's availability so far and its target at
``/metrics``, for the "SLA at risk" alert.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from controlplane import audit
from controlplane.db import utcnow
from network import errors
from network.errors import store
from network.inventory.models import Circuit
from network.polling import metrics
from network.sla import service
from network.sla.evaluation import evaluate
from network.sla.models import SlaEvent
from network.sla.period import TIMEZONE, month_period
from network.sla.schemas import Metric, SlaEventRead

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def current_month(now: datetime | None = None) -> str:
    """The running month in Europe/Paris, as YYYY-MM."""
    return f"{(now or utcnow()).astimezone(TIMEZONE):%Y-%m}"


def detect(db: Session, month: str | None = None, *, actor: str = "socle") -> list[SlaEvent]:
    """Record the breaches of ``month`` (default: the running one) not recorded yet;
    returns the new events."""
    period = month_period(month or current_month())
    evaluation = evaluate(db, period)
    insert = _INSERTS[db.get_bind().dialect.name]
    figures, targets = evaluation.figures, evaluation.targets
    measured = {Metric.AVAILABILITY: (figures.availability_pct, targets.availability_pct),
                Metric.LATENCY: (figures.rtt_p95_ms, targets.latency_p95_ms),
                Metric.JITTER: (figures.jitter_p95_ms, targets.jitter_p95_ms),
                Metric.LOSS: (figures.loss_pct, targets.loss_pct)}
    created = []
    for i, circuit in enumerate(evaluation.circuits):
        for metric in service.breached(evaluation.assessment, i):
            value, target = measured[metric]
            new_id = db.execute(
                insert(SlaEvent).values(
                    circuit_id=circuit.id, tenant_id=_tenant_id(db, circuit.id),
                    period=period.month, metric=metric.value, target=float(target[i]),
                    measured=round(float(value[i]), 6), detected_at=utcnow())
                .on_conflict_do_nothing(index_elements=["circuit_id", "period", "metric"])
                .returning(SlaEvent.id)
            ).scalar_one_or_none()
            if new_id is None:  # recorded before (or by a detector running meanwhile)
                continue
            event = db.get_one(SlaEvent, new_id)
            audit.record(db, actor=actor, action="network.sla-event.create",
                         target_type="network.sla-event", target_id=event.id,
                         tenant_finess=circuit.tenant,
                         after=SlaEventRead.model_validate(event).model_dump(mode="json"))
            created.append(event)
    metrics.LIVE.sla([
        metrics.SlaFigures(c.ref, c.provider, float(figures.availability_pct[i]),
                           float(targets.availability_pct[i]))
        for i, c in enumerate(evaluation.circuits)
    ])
    return created


def _tenant_id(db: Session, circuit_id: int) -> int:
    return db.scalars(select(Circuit.tenant_id).where(Circuit.id == circuit_id)).one()


def event_query(
    *, period: str | None = None, circuit: str | None = None, metric: Metric | None = None,
    db: Session,
) -> Select[tuple[SlaEvent]]:
    """Recorded events, newest month first, then by circuit ref and metric."""
    stmt = select(SlaEvent).join(Circuit, Circuit.id == SlaEvent.circuit_id)
    if period is not None:
        stmt = stmt.where(SlaEvent.period == month_period(period).month)
    if circuit is not None:
        if store.find(db, Circuit, circuit) is None:
            raise errors.unknown_circuit("circuit", circuit)
        stmt = stmt.where(Circuit.ref == circuit)
    if metric is not None:
        stmt = stmt.where(SlaEvent.metric == metric.value)
    return stmt.order_by(SlaEvent.period.desc(), Circuit.ref, SlaEvent.metric)
