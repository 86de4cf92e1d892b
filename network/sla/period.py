"""The measurement period: a calendar month in Europe/Paris, as a range of UTC minutes
(:class:`controlplane.months.Period`, shared with the other planes' monthly figures),
named by the ``YYYY-MM`` the SLA routes take.
"""

from __future__ import annotations

import re

from controlplane.months import TIMEZONE, Period, calendar_month
from network import errors

__all__ = ["MAX_MONTHS", "TIMEZONE", "Period", "month_period", "month_range"]

_MONTH = re.compile(r"(\d{4})-(\d{2})")

MAX_MONTHS = 24  # a range of months covers at most two years at once


def month_period(text: str, *, field: str = "period") -> Period:
    """The period named ``YYYY-MM`` (422 naming ``field`` when malformed)."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise errors.invalid_period(field, f"{text!r} is not a month as YYYY-MM")
    return calendar_month(int(match[1]), int(match[2]))


def month_range(first: str, last: str) -> list[Period]:
    """Every month from ``first`` to ``last`` included (422 on ``to`` if inverted)."""
    start, end = month_period(first, field="from"), month_period(last, field="to")
    if end.starts_at < start.starts_at:
        raise errors.invalid_period("to", f"{last} is before {first}")
    periods = [start]
    while periods[-1].month != end.month:
        periods.append(periods[-1].next())
    if len(periods) > MAX_MONTHS:
        raise errors.invalid_period("to", f"at most {MAX_MONTHS} months at once")
    return periods


