"""Evidence the network plane measures for the SSI tracker (``controlplane.evidence``).

``network.availability``: the measured availability of an establishment's circuits over
the last complete calendar month (Europe/Paris) before ``now``, from the SLA engine
(maintenance windows excluded, unknown minutes left out): up minutes over measured
minutes, all the tenant's circuits together. Unknown when the tenant has no circuit or
no minute of that month was measured.

The figure comes with a verdict for the HN indicator "taux de disponibilité cible défini
et mesuré" (:data:`RULE`): yes only when every one of the tenant's circuits has a
contractual availability target (the SLA contract of its operator and class: the
threshold's source), was measured that month, and reached its target. ``data`` holds
each circuit's target and contract, and which circuits lacked one, were not measured, or
missed it; the detail says the same in words.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.evidence import BatchedCollector, Evidence, one_of, unknown
from controlplane.months import Period, last_complete_month
from network.inventory.models import Circuit
from network.sla.evaluation import Evaluation, evaluate

AVAILABILITY = "network.availability"
RULE = ("oui si chaque circuit de l'établissement a une cible de disponibilité "
        "contractuelle (contrat SLA de son opérateur et de sa classe), a été mesuré pendant "
        "le mois et a atteint cette cible (minutes de maintenance exclues)")


def availability_many(
    db: Session, *, tenant_ids: Collection[int], now: datetime
) -> dict[int, Evidence]:
    """The tenant's measured network availability over the last complete month."""
    period = last_complete_month(now)
    owner = {ref: tenant_id for ref, tenant_id in db.execute(
        select(Circuit.ref, Circuit.tenant_id).where(Circuit.tenant_id.in_(tenant_ids)))}
    equipped = set(owner.values())
    evaluation = evaluate(db, period, tenants=sorted(equipped)) if equipped else None
    found = {}
    for tenant_id in tenant_ids:
        if tenant_id not in equipped:
            found[tenant_id] = unknown(AVAILABILITY, "aucun circuit réseau pour cet établissement",
                                         rule=RULE)
            continue
        assert evaluation is not None
        rows = [i for i, c in enumerate(evaluation.circuits) if owner.get(c.ref) == tenant_id]
        found[tenant_id] = _availability(period, evaluation, np.array(rows, np.intp))
    return found


def _availability(period: Period, evaluation: Evaluation, rows: np.ndarray) -> Evidence:
    figures, targets = evaluation.figures, evaluation.targets.availability_pct
    circuits = [evaluation.circuits[i].ref for i in rows]
    measured, up = int(np.sum(figures.measured[rows])), int(np.sum(figures.up[rows]))
    source = f"network.sla:{period.month}"
    if measured == 0:
        return unknown(AVAILABILITY, f"aucune minute mesurée en {period.month}", source=source,
                       rule=RULE)
    without_target = [ref for ref, i in zip(circuits, rows, strict=True) if np.isnan(targets[i])]
    unmeasured = [ref for ref, i in zip(circuits, rows, strict=True)
                  if figures.measured[i] == 0]
    missed = [ref for ref, i in zip(circuits, rows, strict=True)
              if evaluation.assessment.availability[i]]
    value = round(100.0 * up / measured, 3)
    contracts = {ref: f"≥ {targets[i]:g} % (contrat SLA {evaluation.circuits[i].provider}/"
                      f"{evaluation.circuits[i].sla_class})"
                 for ref, i in zip(circuits, rows, strict=True) if not np.isnan(targets[i])}
    notes = [f"{len(circuits)} circuit(s), {measured} minutes mesurées en {period.month}"]
    if contracts:
        notes.append("cibles : " + ", ".join(f"{ref} {target}"
                                             for ref, target in contracts.items()))
    if without_target:
        notes.append(f"sans cible contractuelle : {', '.join(without_target)}")
    if unmeasured:
        notes.append(f"non mesurés : {', '.join(unmeasured)}")
    if missed:
        notes.append(f"cible manquée : {', '.join(missed)}")
    return Evidence(
        key=AVAILABILITY,
        value=value,
        observed_at=period.ends_at,
        source=source,
        detail=" ; ".join(notes),
        data={"period": period.month, "circuits": circuits, "measured_minutes": measured,
              "up_minutes": up,
              "targets": {ref: None if np.isnan(targets[i]) else float(targets[i])
                          for ref, i in zip(circuits, rows, strict=True)},
              "contracts": contracts, "without_target": without_target,
              "unmeasured": unmeasured, "missed": missed},
        verdict=not (without_target or unmeasured or missed),
        rule=RULE,
    )


availability = one_of(availability_many)

COLLECTORS = {AVAILABILITY: availability}
BATCHED: dict[str, BatchedCollector] = {AVAILABILITY: availability_many}
