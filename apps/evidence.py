"""Evidence the apps plane measures for the SSI tracker (``controlplane.evidence``).

``apps.availability``: the measured availability of the regional services an
establishment is enrolled in, over the last complete calendar month (Europe/Paris)
before ``now``, from the health checks the plane ran every minute
(:mod:`apps.deployments.uptime`): a service's minute is up when its instances checked in
it all answered; a minute in which no check ran is not up. The value is the lowest
availability among the establishment's measured services.

The figure comes with a verdict for the HN indicator "taux de disponibilité cible défini
et mesuré" (:data:`RULE`): yes only when every service the establishment was enrolled in
by the end of the month has an availability target in the service catalogue
(``availability_target_pct``: the threshold's source), was checked during the month, and
reached its target. ``data`` holds each service's figures and target, and which services
lacked a target, were not checked, or missed it; the detail says the same in words.
Unknown when the establishment is enrolled in no service, or none of its services was
checked that month.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from apps.catalogue import service as catalogue
from apps.deployments import uptime
from apps.enrolments.models import Enrolment
from controlplane.evidence import BatchedCollector, Evidence, one_of, unknown
from controlplane.months import Period, last_complete_month

AVAILABILITY = "apps.availability"
RULE = ("oui si chaque service régional auquel l'établissement est inscrit a une cible de "
        "disponibilité définie au catalogue des services (availability_target_pct), a été "
        "contrôlé pendant le mois et a atteint cette cible : minutes où chaque instance "
        "contrôlée a répondu à son contrôle de santé, sur toutes les minutes du mois "
        "(Europe/Paris) ; une minute sans contrôle compte comme indisponible")


def availability_many(
    db: Session, *, tenant_ids: Collection[int], now: datetime
) -> dict[int, Evidence]:
    """Each tenant's enrolled services' measured availability over the last complete
    month, judged against their catalogue targets."""
    period = last_complete_month(now)
    enrolled: dict[int, list[str]] = {}
    for tenant_id, service in db.execute(
        select(Enrolment.tenant_id, Enrolment.service)
        .where(Enrolment.tenant_id.in_(tenant_ids), Enrolment.created_at < period.ends_at)
        .order_by(Enrolment.service)
    ):
        enrolled.setdefault(tenant_id, []).append(service)
    services = {service for names in enrolled.values() for service in names}
    measured = uptime.month(db, services, period) if services else {}
    return {
        tenant_id: _availability(period, [measured[s] for s in enrolled[tenant_id]])
        if tenant_id in enrolled
        else unknown(AVAILABILITY, f"aucun service régional pour cet établissement en "
                                   f"{period.month}", rule=RULE)
        for tenant_id in tenant_ids
    }


def _target(service: str) -> float | None:
    found = catalogue.current().get(service)
    return found.availability_target_pct if found else None


def _availability(period: Period, months: Sequence[uptime.ServiceMonth]) -> Evidence:
    source = f"apps.health:{period.month}"
    checked = [m for m in months if m.checked]
    if not checked:
        names = ", ".join(m.service for m in months)
        return unknown(AVAILABILITY, f"aucun contrôle de santé en {period.month} pour : {names}",
                       source=source, rule=RULE)
    targets = {m.service: _target(m.service) for m in months}
    without_target = [m.service for m in months if targets[m.service] is None]
    unmeasured = [m.service for m in months if not m.checked]
    missed = [m.service for m in checked if (target := targets[m.service]) is not None
              and m.availability_pct < target]
    figures = ", ".join(_figure(m, targets[m.service]) for m in checked)
    notes = [f"{len(months)} service(s) en {period.month} : {figures}"]
    if without_target:
        notes.append(f"sans cible de disponibilité : {', '.join(without_target)}")
    if unmeasured:
        notes.append(f"non contrôlés : {', '.join(unmeasured)}")
    if missed:
        notes.append(f"cible manquée : {', '.join(missed)}")
    return Evidence(
        key=AVAILABILITY,
        value=min(m.availability_pct for m in checked),
        observed_at=period.ends_at,
        source=source,
        detail=" ; ".join(notes),
        data={"period": period.month, "services": _data(months, targets),
              "without_target": without_target, "unmeasured": unmeasured, "missed": missed},
        verdict=not (without_target or unmeasured or missed),
        rule=RULE,
    )


def _figure(month: uptime.ServiceMonth, target: float | None) -> str:
    wanted = f"cible ≥ {target:g} %" if target is not None else "sans cible"
    return f"{month.service} {month.availability_pct:g} % ({wanted})"


def _data(months: Sequence[uptime.ServiceMonth],
          targets: Mapping[str, float | None]) -> dict[str, dict[str, float | int | None]]:
    return {m.service: {"availability_pct": m.availability_pct if m.checked else None,
                        "target_pct": targets[m.service], "instances": m.instances,
                        "minutes": m.minutes, "checked_minutes": m.checked,
                        "up_minutes": m.up}
            for m in months}


availability = one_of(availability_many)

COLLECTORS = {AVAILABILITY: availability}
BATCHED: dict[str, BatchedCollector] = {AVAILABILITY: availability_many}
