"""Evidence one plane measures and another reads (the SSI tracker reads network and hosting).

A plane contributes collectors by convention: ``<plane>.evidence.COLLECTORS``, a mapping
from an evidence key (``"hosting.restore_test"``) to a function
``collector(db, *, tenant_id, now) -> Evidence``. The reader asks by key and never
imports the measuring plane. A key nobody collects, a collector that fails, or a plane
with no data yet all come back as *unknown* (``value is None``) with the reason, never as
a pass: absence of evidence is not evidence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from controlplane.plugins import contributions

log = logging.getLogger(__name__)

EvidenceValue = bool | float | int | str | None


@dataclass(frozen=True)
class Evidence:
    """One measured fact about a tenant, with where it came from and when.

    ``value`` is None when unknown; ``observed_at`` is when the underlying fact was
    measured (e.g. the restore test's end), not when it was read; ``source`` names the
    record it was read from (``"hosting.restore_test#42"``) so a human can check it.
    """

    key: str
    value: EvidenceValue
    observed_at: datetime | None
    source: str
    detail: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        """Whether the plane had a value at all."""
        return self.value is not None


class Collector(Protocol):
    """Reads one evidence key for one tenant."""

    def __call__(self, db: Session, *, tenant_id: int, now: datetime) -> Evidence: ...


def unknown(key: str, reason: str, *, source: str = "") -> Evidence:
    """Evidence with no value, saying why (no collector, no data yet, plane failed)."""
    return Evidence(key=key, value=None, observed_at=None, source=source, detail=reason)


def collectors() -> dict[str, Callable[..., Evidence]]:
    """Every evidence collector the planes declare, by key."""
    found: dict[str, Callable[..., Evidence]] = {}
    for _plane, mapping in contributions("evidence", "COLLECTORS"):
        found.update(mapping)
    return found


def collect(
    db: Session, *, tenant_id: int, keys: Iterable[str], now: datetime
) -> dict[str, Evidence]:
    """Evidence for ``keys`` about one tenant; failures and gaps come back as unknown.

    Each collector runs in a savepoint so a failing one cannot poison the caller's
    transaction; its error is logged (without the tenant's data) and reported as unknown.
    """
    available = collectors()
    results: dict[str, Evidence] = {}
    for key in keys:
        collector = available.get(key)
        if collector is None:
            results[key] = unknown(key, "aucune source ne mesure encore cet indicateur")
            continue
        try:
            with db.begin_nested():
                results[key] = collector(db, tenant_id=tenant_id, now=now)
        except Exception as error:  # one plane's failure is reported, not raised
            log.warning("evidence collector %s failed: %s", key, type(error).__name__)
            results[key] = unknown(key, f"source indisponible ({type(error).__name__})")
    return results
