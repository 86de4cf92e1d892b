"""``?at=`` of the SSI tracker routes: the moment to judge as of, with its time zone.

Like every date-time the API takes (``network.schemas.UtcDatetime``), ``at`` must say its
time zone: a naive ``2026-06-01T12:00:00`` is refused (422 naming ``at``) rather than
guessed, since the evidence it selects depends on the hour. An aware value is read in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator

NAIVE = ("add a time zone: Z for UTC or an offset, e.g. 2026-06-01T12:00:00Z or "
         "2026-06-01T14:00:00+02:00 (+ written %2B in a URL)")


def in_utc(value: datetime | None) -> datetime | None:
    """``value`` in UTC; a naive one is refused (ValueError saying to add ``Z``)."""
    if value is None:
        return None
    if value.utcoffset() is None:
        raise ValueError(NAIVE)
    return value.astimezone(UTC)


AtQuery = Annotated[
    datetime | None,
    AfterValidator(in_utc),
    Query(description="Judge as of this time (default now). ISO 8601 with Z or an offset "
          "(a time without a time zone is refused)."),
]
