"""Network pages: what :mod:`network.console` routes (thin handlers over the plane's
services, read through the visitor's tenant-scoped session)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Annotated

from fastapi import Request, Response
from starlette.responses import RedirectResponse

from controlplane import charts
from controlplane.console import Visitor, allowed, console_router, render
from controlplane.console.routing import error_page
from controlplane.db import utcnow
from controlplane.errors import InvalidInput
from controlplane.settings import get_settings
from network.config import drift, plans
from network.config.schemas import DriftStatus, PlanCreate
from network.console import sla_view
from network.errors import store
from network.inventory import service as inventory
from network.inventory.models import Circuit, Site
from network.inventory.schemas import CircuitRead, DeviceRead, SiteRead
from network.sla import service
from network.sla.evaluation import measured_class
from network.sla.period import Period, month_period
from network.sla.schemas import GroupBy, SlaLine

router = console_router()

READ, WRITE = "network:read", "network:write"
Reader = Annotated[Visitor, allowed(READ)]
Writer = Annotated[Visitor, allowed(WRITE)]

PLAN_STATES = {"planned": "Prêt à appliquer", "applying": "En cours d’application",
               "applied": "Appliqué", "partial": "Appliqué en partie", "failed": "Échoué"}
DRIFT_LABELS = {"compliant": "Conforme", "drifted": "Dérive", "unknown": "Jamais sauvegardé",
                "error": "Intention en erreur"}
DRIFT_BADGES = {"compliant": "ok", "drifted": "breach", "unknown": "unknown", "error": "breach"}


def _period(month: str) -> Period | None:
    """The month asked for (the current one by default); None when malformed."""
    try:
        return month_period(month or sla_view.current_month())
    except InvalidInput:
        return None


def _bad_month(request: Request) -> Response:
    return error_page(request, 400, "Le mois demandé doit s’écrire AAAA-MM, par exemple 2026-11.")


def _lines(visitor: Visitor, period: Period, **filters: str) -> dict[str, SlaLine]:
    with visitor.read() as db:
        found = service.report(db, period.month, GroupBy.CIRCUIT, **filters)
    return {line.key: line for line in found.lines}


@router.get("/console/network")
def sites_by_department(request: Request, visitor: Reader, month: str = "") -> Response:
    """Every visible site, grouped by department, coloured by its circuits' SLA status."""
    period = _period(month)
    if period is None:
        return _bad_month(request)
    lines = _lines(visitor, period)
    with visitor.read() as db:
        sites = [SiteRead.model_validate(s) for s in db.scalars(inventory.site_query())]
        circuits = list(db.scalars(inventory.circuit_query()))
        statuses = sla_view.site_statuses(circuits, lines)
        now = sla_view.site_now(circuits, sla_view.now_states(
            db, [c.id for c in circuits], utcnow(), _now_window()))
        counts: dict[int, int] = defaultdict(int)
        for circuit in circuits:
            counts[circuit.site_id] += 1
    departments: dict[str, list[dict[str, object]]] = defaultdict(list)
    for site in sorted(sites, key=lambda s: (s.department, s.code)):
        departments[site.department].append({
            "site": site, "status": statuses.get(site.id, "unknown"),
            "now": now.get(site.id, "unknown"), "circuits": counts.get(site.id, 0),
        })
    context = {
        "period": period.month, "previous": _previous(period), "departments": departments,
        "labels": sla_view.STATUS_LABELS, "now_labels": sla_view.NOW_LABELS,
        "now_badges": sla_view.NOW_BADGES,
        "summary": {status: sum(1 for rows in departments.values() for row in rows
                                if row["status"] == status) for status in sla_view.STATUS_ORDER},
        "down_now": sum(1 for rows in departments.values() for row in rows
                        if row["now"] == "down"),
    }
    return render(request, "network/sites.html", context)


def _now_window() -> timedelta:
    """How far back "now" looks: three poll intervals, and at least two minutes."""
    return max(timedelta(minutes=2), timedelta(seconds=3 * get_settings().network_poll_interval))


def _previous(period: Period) -> str:
    first_day = period.starts_at.astimezone(sla_view.TIMEZONE)
    year, month = (first_day.year, first_day.month - 1) if first_day.month > 1 else (
        first_day.year - 1, 12)
    return f"{year:04d}-{month:02d}"


@router.get("/console/network/sites/{code}")
def site_detail(request: Request, code: str, visitor: Reader, month: str = "") -> Response:
    """A site (404 page if another tenant's): its routers, circuits and their SLA."""
    period = _period(month)
    if period is None:
        return _bad_month(request)
    with visitor.read() as db:
        site = SiteRead.model_validate(store.by_key(db, Site, code))
        devices = [DeviceRead.model_validate(d) for d in db.scalars(
            inventory.device_query(site=site.code))]
        circuits = [CircuitRead.model_validate(c) for c in db.scalars(
            inventory.circuit_query(site=site.code))]
    lines = _lines(visitor, period) if circuits else {}
    bars = [charts.Bar(c.ref, lines[c.ref].availability_pct if c.ref in lines else None,
                       href=f"/console/network/circuits/{c.ref}?month={period.month}")
            for c in circuits]
    chart = charts.bar_chart(bars, title=f"Disponibilité des circuits du site {site.code}, "
                             f"{period.month}", unit="%", digits=3) if circuits else None
    context = {
        "site": site, "devices": devices, "circuits": circuits, "lines": lines,
        "period": period.month, "previous": _previous(period), "chart": chart,
        "status_of": sla_view.line_status, "labels": sla_view.STATUS_LABELS,
    }
    return render(request, "network/site.html", context)


@router.get("/console/network/circuits/{ref}")
def circuit_detail(request: Request, ref: str, visitor: Reader, month: str = "") -> Response:
    """A circuit (404 page if another tenant's): its month's SLA and daily charts."""
    period = _period(month)
    if period is None:
        return _bad_month(request)
    with visitor.read() as db:
        row = store.by_key(db, Circuit, ref)
        circuit = CircuitRead.model_validate(row)
        contract = sla_view.contract_of(db, row)
        cos = measured_class(contract, row.cos_profile)
        daily = sla_view.daily_figures(db, row, period, cos=cos)
        latency_target = contract.latency_p95_ms if contract else None
        loss_target = contract.loss_pct if contract else None
    line = _lines(visitor, period, circuit=circuit.ref).get(circuit.ref)
    latency = charts.line_chart(
        [charts.Series("RTT p95", daily.rtt_p95_ms),
         charts.Series("Gigue p95", daily.jitter_p95_ms)],
        daily.labels,
        title=f"Latence par jour du circuit {circuit.ref} (classe {cos}), {period.month}",
        unit="ms", threshold=latency_target, threshold_label="Latence contractuelle",
    )
    loss = charts.line_chart(
        [charts.Series("Perte", daily.loss_pct)], daily.labels, digits=2,
        title=f"Perte de paquets par jour du circuit {circuit.ref} (classe {cos}), "
              f"{period.month}",
        unit="%", threshold=loss_target, threshold_label="Perte contractuelle",
    )
    context = {
        "circuit": circuit, "line": line, "status": sla_view.line_status(line),
        "labels": sla_view.STATUS_LABELS, "period": period.month, "previous": _previous(period),
        "latency_chart": latency, "loss_chart": loss, "contract": contract, "daily": daily,
    }
    return render(request, "network/circuit.html", context)


@router.post("/console/network/sites/{code}/plan")
def plan_site(code: str, visitor: Writer) -> Response:
    """Plan the site's routers (:func:`network.config.plans.make`, reads them over SSH)."""
    with visitor.write() as db:
        site = store.by_key(db, Site, code)
        plan = plans.make(db, PlanCreate(site=site.code), actor=visitor.principal.actor)
    return RedirectResponse(f"/console/network/plans/{plan.id}", status_code=303)


@router.get("/console/network/plans/{plan_id}")
def plan_detail(request: Request, plan_id: int, visitor: Reader) -> Response:
    """A stored plan: each router's diff, and the apply button while it is applicable."""
    with visitor.read() as db:
        plan = plans.read(plans.get(db, plan_id))
    return render(request, "network/plan.html", {"plan": plan, "plan_states": PLAN_STATES})


@router.post("/console/network/plans/{plan_id}/apply")
def apply_plan(plan_id: int, visitor: Writer) -> Response:
    """Queue the job applying the plan, then watch it on its job page."""
    with visitor.write() as db:
        job = plans.apply(db, plan_id, actor=visitor.principal.actor)
    return RedirectResponse(f"/console/jobs/{job.id}", status_code=303)


@router.get("/console/network/drift")
def drift_list(request: Request, visitor: Reader, compliant: bool = False) -> Response:
    """Routers whose backed-up configuration differs from their intent, with the diff
    (never backed up and intent errors too; compliant ones with ``?compliant=1``)."""
    with visitor.read() as db:
        items = drift.report(db)
        site_of = {d.id: d.site.code if d.site else None
                   for d in db.scalars(inventory.device_query())}
    shown = [i for i in items if compliant or i.status is not DriftStatus.COMPLIANT]
    context = {
        "items": shown, "compliant": compliant, "site_of": site_of,
        "drift_labels": DRIFT_LABELS, "drift_badges": DRIFT_BADGES,
        "counts": {status.value: sum(1 for i in items if i.status is status)
                   for status in DriftStatus},
    }
    return render(request, "network/drift.html", context)
