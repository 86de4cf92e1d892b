"""Calendar months in French local time, as ranges of UTC minutes (what every plane's
monthly figures are measured over: the network SLA, the apps' availability).

Contracts and the HN / CaRE indicators count calendar months in Europe/Paris time, so a
December starts on 30 November at 23:00 UTC. Per-minute day rows are UTC days (always
1,440 minutes, whatever the daylight-saving changes), so a month reads the UTC days it
touches and keeps the minutes inside it: 44,640 for a 31-day month, 44,580 for March
(the clocks go forward), 44,700 for October (they go back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/Paris")
MINUTES_PER_DAY = 1440


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
        local = self.ends_at.astimezone(TIMEZONE)
        return calendar_month(local.year, local.month)


def _local_midnight(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=TIMEZONE).astimezone(UTC)


def calendar_month(year: int, month: int) -> Period:
    """The month ``year``-``month`` (1-12) in Europe/Paris time."""
    following = (year + month // 12, month % 12 + 1)
    return Period(f"{year:04d}-{month:02d}", _local_midnight(year, month),
                  _local_midnight(*following))


def last_complete_month(now: datetime) -> Period:
    """The calendar month (Europe/Paris) before the one holding ``now``."""
    previous = now.astimezone(TIMEZONE).replace(day=1) - timedelta(days=1)
    return calendar_month(previous.year, previous.month)
