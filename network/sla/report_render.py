"""The monthly SLA report as HTML (Jinja2 template, inline SVG charts), PDF (that HTML
printed by headless Chromium) and CSV (one row per circuit and per group).

Labels are French (the report's readers are the GCS, the ARS and the operators);
numbers are written the French way in HTML (``99,952 %``) and plainly in CSV
(``99.952``) for spreadsheets and scripts. Missing samples are shown apart everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from controlplane import charts, reports
from network.errors import ReportUnavailable
from network.sla.report import Group, Report, ReportFormat, ReportGroup, Section
from network.sla.schemas import Metric, SlaLine

TEMPLATES = Path(__file__).parent / "templates"
MEDIA_TYPES = {ReportFormat.HTML: "text/html; charset=utf-8",
               ReportFormat.PDF: "application/pdf",
               ReportFormat.CSV: "text/csv; charset=utf-8"}
METRICS_FR = {Metric.AVAILABILITY: "disponibilité", Metric.LATENCY: "latence",
              Metric.JITTER: "gigue", Metric.LOSS: "perte"}
GROUP_FR = {ReportGroup.PROVIDER: "Opérateur", ReportGroup.DEPARTMENT: "Département"}
CSV_HEADER = (
    "periode", "niveau", "groupe", "circuit", "etablissement", "operateur", "departement",
    "classe_sla", "classe_service", "circuits", "minutes", "minutes_maintenance",
    "minutes_inconnues", "part_inconnue_pct", "minutes_mesurees", "minutes_indisponibles",
    "disponibilite_pct",
    "latence_p95_ms", "gigue_p95_ms", "perte_pct", "objectifs_manques", "circuits_hors_contrat",
    "penalite_eur",
)


def filename(report: Report, fmt: ReportFormat) -> str:
    """A download name, e.g. ``sla-2026-12-provider.pdf``."""
    months = dict.fromkeys((report.sections[0].period.month, report.sections[-1].period.month))
    return f"sla-{'_'.join(months)}-{report.group_by.value}.{fmt.value}"


def _euros(cents: int) -> str:
    return charts.number(cents / 100, 2, "€")


def _metrics(found: Sequence[Metric]) -> str:
    return ", ".join(METRICS_FR[m] for m in found) or "—"


def _daily_chart(section: Section, *, metric: str, title: str, unit: str,
                 digits: int) -> Markup:
    series = [charts.Series(g.line.key, getattr(g.daily, metric)) for g in section.groups]
    return charts.line_chart(series, section.days, title=f"{title} — {section.label}",
                             unit=unit, digits=digits)


class _Charts:
    """The charts the template places (methods so the template stays declarative)."""

    @staticmethod
    def latency(section: Section) -> Markup:
        """RTT p95 per day, one line per group."""
        return _daily_chart(section, metric="rtt_p95_ms", title="Latence (p95) par jour",
                            unit="ms", digits=1)

    @staticmethod
    def loss(section: Section) -> Markup:
        """Loss per day, one line per group."""
        return _daily_chart(section, metric="loss_pct", title="Perte de paquets par jour",
                            unit="%", digits=3)

    @staticmethod
    def availability(group: Group) -> Markup:
        """Availability per circuit of a group, against the contract's target if shared."""
        bars = [charts.Bar(c.key, c.availability_pct) for c in group.circuits]
        known = [c.availability_pct for c in group.circuits if c.availability_pct is not None]
        floor = min([*known, group.availability_target or 100.0, 100.0])
        return charts.bar_chart(
            bars, title=f"Disponibilité par circuit — {group.line.key}", unit="%", digits=3,
            target=group.availability_target, target_label="Objectif contractuel",
            x_min=max(0.0, min(99.0, float(int(floor)) - 1.0)), x_max=100.0)


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(fmt=charts.number, euros=_euros, metrics=_metrics, charts=_Charts)
    return env


def html(report: Report) -> str:
    """The report as one self-contained HTML page."""
    other = (ReportGroup.DEPARTMENT if report.group_by is ReportGroup.PROVIDER
             else ReportGroup.PROVIDER)
    return _environment().get_template("sla_report.html.j2").render(
        report=report, group_title=GROUP_FR[report.group_by], other_title=GROUP_FR[other],
        other_field=other.value)


def _row(section: Section, level: str, group: str, line: SlaLine) -> list[Any]:
    circuit = line.key if level == "circuit" else None
    return [
        section.period.month, level, group, circuit, line.tenant, line.provider,
        line.department, line.sla_class, line.cos, line.circuits, line.minutes,
        line.maintenance_minutes, line.unknown_minutes, line.unknown_pct,
        line.measured_minutes, line.down_minutes,
        line.availability_pct, line.rtt_p95_ms, line.jitter_p95_ms, line.loss_pct,
        " ".join(m.value for m in line.breaches) or None, line.breaching_circuits,
        f"{line.penalty_cents / 100:.2f}",
    ]


def _rows(report: Report) -> Iterator[list[Any]]:
    for section in report.sections:
        for group in section.groups:
            yield _row(section, "groupe", group.line.key, group.line)
            for line in group.circuits:
                yield _row(section, "circuit", group.line.key, line)


def csv(report: Report) -> bytes:
    """One row per group (``niveau`` = groupe) then one per circuit of it, every month."""
    return reports.to_csv(CSV_HEADER, _rows(report))


def render(report: Report, fmt: ReportFormat) -> bytes:
    """The report in ``fmt`` (a PDF this host cannot print: :class:`ReportUnavailable`)."""
    if fmt is ReportFormat.CSV:
        return csv(report)
    page = html(report)
    if fmt is ReportFormat.HTML:
        return page.encode("utf-8")
    try:
        return reports.html_to_pdf(page)
    except reports.ReportError as exc:
        raise ReportUnavailable(detail=str(exc)) from None
