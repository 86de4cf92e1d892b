"""The SLA report of a month per circuit, provider or department, and the list of
contract breaches over a range of months (what the API and the CLI answer)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from network.sla import engine
from network.sla.evaluation import Evaluation, evaluate
from network.sla.period import TIMEZONE, month_period, month_range
from network.sla.schemas import GroupBy, Metric, SlaBreach, SlaLine, SlaReport


def _num(value: Any) -> float | None:
    return None if np.isnan(value) else round(float(value), 6)


def _line(key: str, f: engine.Figures, i: int, *, circuits: int, breaching: int,
          penalty: float, **extra: Any) -> SlaLine:
    known = int(f.minutes[i] - f.maintenance[i])
    return SlaLine(
        key=key, circuits=circuits, minutes=int(f.minutes[i]),
        maintenance_minutes=int(f.maintenance[i]), unknown_minutes=int(f.unknown[i]),
        unknown_pct=round(100.0 * int(f.unknown[i]) / known, 6) if known else None,
        measured_minutes=int(f.measured[i]), down_minutes=int(f.down[i]),
        availability_pct=_num(f.availability_pct[i]), rtt_p95_ms=_num(f.rtt_p95_ms[i]),
        jitter_p95_ms=_num(f.jitter_p95_ms[i]), loss_pct=_num(f.loss_pct[i]),
        breaching_circuits=breaching, penalty_cents=int(penalty), **extra,
    )


def breached(a: engine.Assessment, i: int) -> list[Metric]:
    """The metrics circuit ``i`` of an assessment breached."""
    flags = (a.availability, a.latency, a.jitter, a.loss)
    return [metric for metric, flag in zip(Metric, flags, strict=True) if flag[i]]


def lines_of(evaluation: Evaluation, group_by: GroupBy) -> list[SlaLine]:
    """The lines of an evaluation: one per circuit, or per provider or department."""
    f, a, circuits = evaluation.figures, evaluation.assessment, evaluation.circuits
    if group_by is GroupBy.CIRCUIT:
        return [
            _line(c.ref, f, i, circuits=1, breaching=int(a.any[i]),
                  penalty=a.penalty_cents[i], provider=c.provider, department=c.department,
                  tenant=c.tenant, sla_class=c.sla_class, cos=evaluation.classes[i],
                  breaches=breached(a, i))
            for i, c in enumerate(circuits)
        ]
    keys = [c.provider if group_by is GroupBy.PROVIDER else c.department for c in circuits]
    names = sorted(set(keys))
    codes = np.array([names.index(k) for k in keys], np.int64)
    t = engine.totals(f, a, codes, len(names))
    return [
        _line(name, t.figures, g, circuits=int(t.circuits[g]), breaching=int(t.breaching[g]),
              penalty=t.penalty_cents[g], **{group_by.value: name})
        for g, name in enumerate(names)
    ]


def report(
    db: Session, month: str, group_by: GroupBy = GroupBy.CIRCUIT, *,
    circuit: str | None = None, provider: str | None = None,
) -> SlaReport:
    """The SLA report of ``month`` (``YYYY-MM``, Europe/Paris), grouped as asked."""
    period = month_period(month)
    evaluation = evaluate(db, period, circuit=circuit, provider=provider)
    return SlaReport(period=period.month, timezone=str(TIMEZONE), starts_at=period.starts_at,
                     ends_at=period.ends_at, group_by=group_by,
                     lines=lines_of(evaluation, group_by))


def breaches(
    db: Session, first: str, last: str, *, circuit: str | None = None,
    provider: str | None = None,
) -> list[SlaBreach]:
    """Every contract target missed from month ``first`` to ``last``, by month then ref."""
    found = []
    for period in month_range(first, last):
        e = evaluate(db, period, circuit=circuit, provider=provider)
        f, t, a = e.figures, e.targets, e.assessment
        measured = {Metric.AVAILABILITY: (f.availability_pct, t.availability_pct),
                    Metric.LATENCY: (f.rtt_p95_ms, t.latency_p95_ms),
                    Metric.JITTER: (f.jitter_p95_ms, t.jitter_p95_ms),
                    Metric.LOSS: (f.loss_pct, t.loss_pct)}
        for i, c in enumerate(e.circuits):
            for metric in breached(a, i):
                value, target = measured[metric]
                found.append(SlaBreach(
                    period=period.month, circuit=c.ref, provider=c.provider,
                    department=c.department, tenant=c.tenant, metric=metric,
                    target=float(target[i]), measured=round(float(value[i]), 6),
                    penalty_cents=int(a.penalty_cents[i]) if metric is Metric.AVAILABILITY else 0,
                ))
    return found
