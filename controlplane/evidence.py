"""Evidence one plane measures and another reads (the SSI tracker reads network and hosting).

A plane contributes collectors by convention: ``<plane>.evidence.COLLECTORS``, a mapping
from an evidence key (``"hosting.restore_test"``) to a function
``collector(db, *, tenant_id, now) -> Evidence``. The reader asks by key and never
imports the measuring plane. A key nobody collects, a collector that fails, or a plane
with no data yet all come back as *unknown* (``value is None``) with the reason, never as
a pass: absence of evidence is not evidence.

For many tenants at once (the RSSI's regional heatmap), a plane may also declare
``<plane>.evidence.BATCHED``: evidence key → ``collector(db, *, tenant_ids, now) ->
{tenant_id: Evidence}``, answering every tenant asked with a fixed number of queries
(group-by or :func:`latest_per` instead of one query per tenant). :func:`collect_many`
uses it when a plane provides it and the per-tenant collector otherwise; a plane keeps a
single implementation by writing its per-tenant collector as :func:`one_of` its batched
one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, func, inspect, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from controlplane.plugins import contributions

log = logging.getLogger(__name__)
M = TypeVar("M")

EvidenceValue = bool | float | int | str | None


@dataclass(frozen=True)
class Evidence:
    """One measured fact about a tenant, with where it came from and when.

    ``value`` is None when unknown; ``observed_at`` is when the underlying fact was
    measured (e.g. the restore test's end), not when it was read; ``source`` names the
    record it was read from (``"hosting.restore_test#42"``) so a human can check it.

    A measured number does not say yes or no by itself (99.2 % of what target?). A
    plane whose value is a figure says what it concludes in ``verdict`` (``True`` when
    the rule holds) and states that rule in ``rule``, in words a reader can check
    against ``data``; a reader judging a yes/no item from a figure without a verdict
    must call it unknown.
    """

    key: str
    value: EvidenceValue
    observed_at: datetime | None
    source: str
    detail: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    verdict: bool | None = None
    rule: str = ""

    @property
    def known(self) -> bool:
        """Whether the plane had a value at all."""
        return self.value is not None


class Collector(Protocol):
    """Reads one evidence key for one tenant."""

    def __call__(self, db: Session, *, tenant_id: int, now: datetime) -> Evidence: ...


class BatchedCollector(Protocol):
    """Reads one evidence key for many tenants; answers every tenant of ``tenant_ids``."""

    def __call__(
        self, db: Session, *, tenant_ids: Collection[int], now: datetime
    ) -> dict[int, Evidence]: ...


def one_of(batched: BatchedCollector) -> Callable[..., Evidence]:
    """The per-tenant collector reading the same as ``batched`` for one tenant."""

    def collector(db: Session, *, tenant_id: int, now: datetime) -> Evidence:
        return batched(db, tenant_ids=[tenant_id], now=now)[tenant_id]

    collector.__doc__ = batched.__doc__
    return collector


class _OfTenant(Protocol):
    tenant_id: int


T = TypeVar("T", bound=_OfTenant)


def by_tenant(rows: Iterable[T]) -> dict[int, list[T]]:
    """``rows`` grouped by their ``tenant_id``, each group in the order read."""
    grouped: dict[int, list[T]] = {}
    for row in rows:
        grouped.setdefault(row.tenant_id, []).append(row)
    return grouped


def latest_per(
    model: type[M], group: InstrumentedAttribute[Any], order: Sequence[ColumnElement[Any]],
    *where: ColumnElement[bool],
) -> Select[tuple[M]]:
    """Rows of ``model`` matching ``where`` that come first in their ``group`` by
    ``order`` (e.g. each tenant's latest restore test): one query, a window function."""
    (key,) = inspect(model).primary_key
    ranked = (
        select(key.label("id"),
               func.row_number().over(partition_by=group, order_by=list(order)).label("rank"))
        .where(*where)
        .subquery()
    )
    return select(model).join(ranked, key == ranked.c.id).where(ranked.c.rank == 1)


def unknown(key: str, reason: str, *, source: str = "", rule: str = "") -> Evidence:
    """Evidence with no value, saying why (no collector, no data yet, plane failed), and
    the rule it would be judged by once measured."""
    return Evidence(key=key, value=None, observed_at=None, source=source, detail=reason,
                    rule=rule)


def collectors() -> dict[str, Callable[..., Evidence]]:
    """Every evidence collector the planes declare, by key."""
    found: dict[str, Callable[..., Evidence]] = {}
    for _plane, mapping in contributions("evidence", "COLLECTORS"):
        found.update(mapping)
    return found


def batched_collectors() -> dict[str, BatchedCollector]:
    """Every batched evidence collector the planes declare, by key."""
    found: dict[str, BatchedCollector] = {}
    for _plane, mapping in contributions("evidence", "BATCHED"):
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


def collect_many(
    db: Session, *, tenant_ids: Collection[int], keys: Iterable[str], now: datetime
) -> dict[int, dict[str, Evidence]]:
    """Evidence for ``keys`` about each of ``tenant_ids``, the same as :func:`collect` for
    each tenant: a key's batched collector answers all tenants at once when its plane
    declares one; otherwise, or if the batched one fails, each tenant is collected alone
    (so one tenant's bad record cannot blank the region)."""
    tenant_ids = list(dict.fromkeys(tenant_ids))
    results: dict[int, dict[str, Evidence]] = {tenant_id: {} for tenant_id in tenant_ids}
    batched = batched_collectors()
    for key in keys:
        found: Mapping[int, Evidence] = {}
        if key in batched and tenant_ids:
            try:
                with db.begin_nested():
                    found = batched[key](db, tenant_ids=tenant_ids, now=now)
            except Exception as error:  # fall back to one tenant at a time
                log.warning("batched evidence collector %s failed: %s", key,
                            type(error).__name__)
        for tenant_id in tenant_ids:
            if tenant_id in found:
                results[tenant_id][key] = found[tenant_id]
            else:
                results[tenant_id].update(collect(db, tenant_id=tenant_id, keys=[key], now=now))
    return results
