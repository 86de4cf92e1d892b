"""The measurement period: a calendar month in Europe/Paris, as a range of UTC minutes.

Contracts with French operators count calendar months in French local time, so a
December starts on 30 November at 23:00 UTC. Day rows are UTC days (always 1,440
minutes, whatever the daylight-saving changes), so a month reads the UTC days it
touches and keeps the minutes inside it: 44,640 for a 31-day month, 44,580 for March
(the clocks go forward), 44,700 for October (they go back).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from network import errors

TIMEZONE = ZoneInfo("Europe/Paris")
_MONTH = re.compile(r"(\d{4})-(\d{2})")

MAX_MONTHS = 24  # a range of months covers at most two years at once


@dataclass(frozen=True)
class Period:
    """A month: its UTC bounds, the UTC days it touches and where it starts in them."""

    month: str
    starts_at: datetime
    ends_at: datetime

    @property
    def days(self) -> list[date]:
        """The UTC days holding at least one minute of the period."""
        first, last = self.starts_at.date(), (self.ends_at - timedelta(minutes=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    @property
    def offset(self) -> int:
        """Minutes from the first day's UTC midnight to the period's start."""
        return self.starts_at.hour * 60 + self.starts_at.minute

    @property
    def minutes(self) -> int:
        """Minutes in the period."""
        return int((self.ends_at - self.starts_at).total_seconds()) // 60

    def minute_of(self, at: datetime, *, ceil: bool = False) -> int:
        """Index of the minute holding ``at`` (the next one when ``ceil`` and ``at`` is
        not on a minute), clipped to ``[0, minutes]``."""
        seconds = (at - self.starts_at).total_seconds()
        index = -int(-seconds // 60) if ceil else int(seconds // 60)
        return min(max(index, 0), self.minutes)

    def next(self) -> Period:
        """The following month."""
        return month_period(f"{self.ends_at.astimezone(TIMEZONE):%Y-%m}")


def _local_midnight(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=TIMEZONE).astimezone(UTC)


def month_period(text: str, *, field: str = "period") -> Period:
    """The period named ``YYYY-MM`` (422 naming ``field`` when malformed)."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise errors.invalid_period(field, f"{text!r} is not a month as YYYY-MM")
    year, month = int(match[1]), int(match[2])
    following = (year + month // 12, month % 12 + 1)
    return Period(f"{year:04d}-{month:02d}", _local_midnight(year, month),
                  _local_midnight(*following))


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


