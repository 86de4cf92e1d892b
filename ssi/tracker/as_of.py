"""``?at=`` of the SSI tracker routes: the moment to judge as of, with its time zone.

Like every date-time the API takes (:data:`controlplane.schemas.UtcDatetime`), ``at`` must
say its time zone: a naive ``2026-06-01T12:00:00`` is refused (422 naming ``at``) rather
than guessed, since the evidence it selects depends on the hour.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from controlplane.schemas import UtcDatetime

AtQuery = Annotated[
    UtcDatetime | None,
    Query(description="Judge as of this time (default now). ISO 8601 with Z or an offset "
          "(a time without a time zone is refused)."),
]
