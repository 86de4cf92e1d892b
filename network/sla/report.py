"""The monthly SLA report per provider or per department: what it holds, computed from
the stored day rows by the SLA engine (:mod:`network.sla.evaluation`).

A report covers one month, or each month of a range (one section per month: contract
penalties are monthly). Each section holds the lines of the groups, the lines of their
circuits, each group's daily RTT p95, loss and availability (a day is a Europe/Paris
calendar day, evaluated like a month), and how many minutes had no sample at all
(unknown: never counted as up, shown apart). Rendering is in
:mod:`network.sla.report_render`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from network import errors
from network.sla import service
from network.sla.evaluation import Evaluation, evaluate
from network.sla.period import MAX_MONTHS, TIMEZONE, Period, month_period
from network.sla.schemas import GroupBy, SlaLine

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")


class ReportGroup(StrEnum):
    """How a report groups its circuits."""

    PROVIDER = "provider"
    DEPARTMENT = "department"


class ReportFormat(StrEnum):
    """What a report is rendered as."""

    HTML = "html"
    PDF = "pdf"
    CSV = "csv"


@dataclass(frozen=True)
class Daily:
    """One group's figures per day of the month (None: nothing measured that day)."""

    rtt_p95_ms: list[float | None]
    loss_pct: list[float | None]
    availability_pct: list[float | None]


@dataclass(frozen=True)
class Group:
    """A provider or a department: its month line, its circuits' lines, its days, and the
    availability target its circuits share (None: no contract, or several targets)."""

    line: SlaLine
    circuits: list[SlaLine]
    daily: Daily
    availability_target: float | None


@dataclass(frozen=True)
class Section:
    """One month of the report."""

    period: Period
    label: str
    days: list[str]
    groups: list[Group]

    @property
    def unknown_minutes(self) -> int:
        """Minutes without any sample, over every circuit."""
        return sum(g.line.unknown_minutes for g in self.groups)

    @property
    def known_minutes(self) -> int:
        """Minutes outside maintenance windows, over every circuit (unknown's base)."""
        return sum(g.line.minutes - g.line.maintenance_minutes for g in self.groups)

    @property
    def unknown_pct(self) -> float | None:
        """Share of the minutes outside maintenance that had no sample."""
        known = self.known_minutes
        return 100.0 * self.unknown_minutes / known if known else None

    @property
    def circuits(self) -> int:
        """Circuits in the section."""
        return sum(g.line.circuits for g in self.groups)


@dataclass(frozen=True)
class Report:
    """The SLA report of one or several months."""

    group_by: ReportGroup
    provider: str | None
    sections: list[Section]
    generated_at: datetime

    @property
    def title(self) -> str:
        """The report's title, in French."""
        by = "opérateur" if self.group_by is ReportGroup.PROVIDER else "département"
        months = " – ".join(dict.fromkeys((self.sections[0].label, self.sections[-1].label)))
        return f"Rapport SLA mensuel par {by} — {months}"


def month_label(period: Period) -> str:
    """``décembre 2026``."""
    year, month = period.month.split("-")
    return f"{MONTHS_FR[int(month) - 1]} {year}"


def periods(first: str, last: str | None) -> list[Period]:
    """Months ``first`` to ``last`` (422 naming ``period`` or ``to``; at most 24)."""
    start = month_period(first, field="period")
    end = month_period(last, field="to") if last else start
    if end.starts_at < start.starts_at:
        raise errors.invalid_period("to", f"{end.month} is before {start.month}")
    found = [start]
    while found[-1].month != end.month:
        if len(found) == MAX_MONTHS:
            raise errors.invalid_period("to", f"at most {MAX_MONTHS} months at once")
        found.append(found[-1].next())
    return found


def local_days(period: Period) -> list[Period]:
    """The Europe/Paris calendar days of a month, each as a period of its own."""
    first = period.starts_at.astimezone(TIMEZONE).date()
    found = []
    day = first
    while True:
        starts = datetime(day.year, day.month, day.day, tzinfo=TIMEZONE)
        if starts.astimezone(UTC) >= period.ends_at:
            return found
        following = day + timedelta(days=1)
        ends = datetime(following.year, following.month, following.day, tzinfo=TIMEZONE)
        found.append(Period(day.isoformat(), starts.astimezone(UTC), ends.astimezone(UTC)))
        day = following


def _value(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def _targets(evaluation: Evaluation, group: ReportGroup) -> dict[str, float | None]:
    """The availability target each group's circuits share (None if not one)."""
    seen: dict[str, set[float]] = {}
    for circuit, target in zip(evaluation.circuits, evaluation.targets.availability_pct,
                               strict=True):
        key = circuit.provider if group is ReportGroup.PROVIDER else circuit.department
        values = seen.setdefault(key, set())
        values.add(math.nan if math.isnan(target) else float(target))
    return {key: (next(iter(v)) if len(v) == 1 and not math.isnan(next(iter(v))) else None)
            for key, v in seen.items()}


def _section(db: Session, period: Period, group: ReportGroup,
             provider: str | None) -> Section:
    evaluation = evaluate(db, period, provider=provider)
    by = GroupBy(group.value)
    circuit_lines = service.lines_of(evaluation, GroupBy.CIRCUIT)
    group_lines = service.lines_of(evaluation, by)
    targets = _targets(evaluation, group)
    days = local_days(period)
    per_day = {line.key: Daily([], [], []) for line in group_lines}
    for day in days:
        seen = {line.key: line for line in service.lines_of(evaluate(db, day, provider=provider),
                                                            by)}
        for key, daily in per_day.items():
            line = seen.get(key)
            daily.rtt_p95_ms.append(_value(line.rtt_p95_ms) if line else None)
            daily.loss_pct.append(_value(line.loss_pct) if line else None)
            daily.availability_pct.append(_value(line.availability_pct) if line else None)
    groups = [
        Group(line=line,
              circuits=[c for c in circuit_lines if getattr(c, group.value) == line.key],
              daily=per_day[line.key], availability_target=targets.get(line.key))
        for line in group_lines
    ]
    labels = [f"{day.month[8:10]}/{day.month[5:7]}" for day in days]
    return Section(period, month_label(period), labels, groups)


def build(db: Session, period: str, *, to: str | None = None,
          group_by: ReportGroup = ReportGroup.PROVIDER, provider: str | None = None) -> Report:
    """The report of month ``period`` (to month ``to``), circuits grouped by ``group_by``,
    only ``provider``'s when given (422 naming the field for a bad month, an inverted
    range or an unknown provider). Circuits are those the session sees."""
    months = periods(period, to)
    sections = [_section(db, month, group_by, provider) for month in months]
    return Report(group_by, provider, sections, datetime.now(UTC))
