"""Evidence the network plane measures for the SSI tracker (``controlplane.evidence``).

``network.availability``: the measured availability of an establishment's circuits over
the last complete calendar month (Europe/Paris) before ``now``, from the SLA engine
(maintenance windows excluded, unknown minutes left out): up minutes over measured
minutes, all the tenant's circuits together. Unknown when the tenant has no circuit or
no minute of that month was measured.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.evidence import Evidence, unknown
from network.models import Circuit
from network.sla import engine
from network.sla.evaluation import evaluate
from network.sla.period import TIMEZONE, Period, month_period

AVAILABILITY = "network.availability"


def last_complete_month(now: datetime) -> Period:
    """The calendar month (Europe/Paris) before the one holding ``now``."""
    first_of_month = now.astimezone(TIMEZONE).replace(day=1)
    return month_period(f"{first_of_month - timedelta(days=1):%Y-%m}")


def availability(db: Session, *, tenant_id: int, now: datetime) -> Evidence:
    """The tenant's measured network availability over the last complete month."""
    period = last_complete_month(now)
    refs = list(db.scalars(
        select(Circuit.ref).where(Circuit.tenant_id == tenant_id).order_by(Circuit.ref)
    ))
    if not refs:
        return unknown(AVAILABILITY, "aucun circuit réseau pour cet établissement")
    evaluations = [evaluate(db, period, circuit=ref) for ref in refs]
    figures = engine.Figures.concat([e.figures for e in evaluations])
    measured, up = int(np.sum(figures.measured)), int(np.sum(figures.up))
    source = f"network.sla:{period.month}"
    if measured == 0:
        return unknown(AVAILABILITY, f"aucune minute mesurée en {period.month}", source=source)
    circuits = [c.ref for e in evaluations for c in e.circuits]
    return Evidence(
        key=AVAILABILITY,
        value=round(100.0 * up / measured, 3),
        observed_at=period.ends_at,
        source=source,
        detail=f"{len(circuits)} circuit(s), {measured} minutes mesurées en {period.month}",
        data={"period": period.month, "circuits": circuits, "measured_minutes": measured,
              "up_minutes": up},
    )


COLLECTORS = {AVAILABILITY: availability}
