"""Health checks over time: the minutes each instance was checked in and answered, and a
service's availability over a month.

Each run of the health job (:mod:`apps.deployments.monitor`, every minute) marks, for
every instance it checked, the minute it ran in as *checked*, and as *up* when the
instance answered; with several checks in one minute, the minute stays up only if every
one answered. A minute in which no check ran (scheduler or worker stopped, service not
deployed yet) is not checked, and never counts as up. One row per instance per UTC day
holds two 1,440-minute bitmaps (:class:`apps.deployments.models.HealthDay`, 360 bytes),
so a month of the region is a few thousand rows.

A service's minute, for the establishments enrolled in it, is *up* when at least one of
its instances was checked in it and every instance checked in it answered; *down* when
one did not answer (Socle does not know which instance an establishment reaches, so
instances are not assumed to stand in for each other); *unknown* when none was checked.
Its availability over a month is its up minutes over every minute of the month.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from apps.deployments.models import HealthDay, Instance
from controlplane.db import insert_missing, utcnow
from controlplane.months import MINUTES_PER_DAY, Period

_BLANK = np.packbits(np.zeros(MINUTES_PER_DAY, np.bool_)).tobytes()


def _bits(packed: bytes) -> NDArray[np.bool_]:
    return np.unpackbits(np.frombuffer(packed, np.uint8)).astype(np.bool_)


def _spans(start: datetime, minutes: int) -> list[tuple[date, int, int]]:
    """(UTC day, first minute, end minute) of each day the span touches."""
    begin = start.astimezone(UTC).replace(second=0, microsecond=0)
    end = begin + timedelta(minutes=minutes)
    found = []
    day = begin.date()
    while (midnight := datetime.combine(day, time(), UTC)) < end:
        low = max(begin, midnight) - midnight
        high = min(end, midnight + timedelta(days=1)) - midnight
        found.append((day, int(low.total_seconds()) // 60, int(high.total_seconds()) // 60))
        day += timedelta(days=1)
    return found


def record(db: Session, outcomes: Mapping[int, bool], start: datetime, minutes: int = 1) -> None:
    """Mark the ``minutes`` minutes from the one holding ``start`` as checked for each
    instance of ``outcomes`` (instance id → answered), and up where it answered and no
    other check of that minute failed. Safe with concurrent writers: missing day rows are
    created with ``ON CONFLICT DO NOTHING``, then read ``FOR UPDATE``."""
    spans = _spans(start, minutes)
    if not outcomes or not spans:
        return
    insert_missing(db, HealthDay, [
        {"instance_id": i, "day": day, "checked": _BLANK, "up": _BLANK, "updated_at": utcnow()}
        for i in outcomes for day, _, _ in spans
    ], keys=["instance_id", "day"])
    where = {day: (low, high) for day, low, high in spans}
    rows = db.scalars(select(HealthDay).where(HealthDay.instance_id.in_(list(outcomes)),
                                              HealthDay.day.in_(list(where)))
                      .with_for_update().execution_options(populate_existing=True))
    for row in rows:
        low, high = where[row.day]
        checked, up = _bits(row.checked), _bits(row.up)
        up[low:high] = (up[low:high] | ~checked[low:high]) & outcomes[row.instance_id]
        checked[low:high] = True
        row.checked, row.up = np.packbits(checked).tobytes(), np.packbits(up).tobytes()
    db.flush()


@dataclass(frozen=True)
class ServiceMonth:
    """A service over a month: its instances checked, minutes in the month, minutes in
    which at least one instance was checked, and up minutes."""

    service: str
    instances: int
    minutes: int
    checked: int
    up: int

    @property
    def availability_pct(self) -> float:
        """Up minutes over every minute of the month, in percent (3 decimals)."""
        return round(100.0 * self.up / self.minutes, 3)


def month(db: Session, services: Collection[str], period: Period) -> dict[str, ServiceMonth]:
    """Each of ``services`` over ``period`` (a service never checked: 0 checked minutes).
    One query for all, whatever their number."""
    days = {day: i for i, day in enumerate(period.days)}
    width = len(days) * MINUTES_PER_DAY
    checked = {s: np.zeros(width, np.bool_) for s in services}
    failed = {s: np.zeros(width, np.bool_) for s in services}
    instances: dict[str, set[int]] = {s: set() for s in services}
    rows = db.execute(select(Instance.service, HealthDay.instance_id, HealthDay.day,
                             HealthDay.checked, HealthDay.up)
                      .join(Instance, Instance.id == HealthDay.instance_id)
                      .where(Instance.service.in_(list(services)),
                             HealthDay.day.in_(list(days))))
    window = slice(period.offset, period.offset + period.minutes)
    for service, instance_id, day, checked_bits, up_bits in rows:
        first = days[day] * MINUTES_PER_DAY
        at = slice(first, first + MINUTES_PER_DAY)
        seen = _bits(checked_bits)
        checked[service][at] |= seen
        failed[service][at] |= seen & ~_bits(up_bits)
        inside = slice(max(window.start - first, 0), max(window.stop - first, 0))
        if seen[inside].any():
            instances[service].add(instance_id)
    return {
        service: ServiceMonth(
            service=service,
            instances=len(instances[service]),
            minutes=period.minutes,
            checked=int(checked[service][window].sum()),
            up=int((checked[service][window] & ~failed[service][window]).sum()),
        )
        for service in services
    }
