"""How an HN indicator or a CaRE requirement is judged: pure functions, no database.

An item is judged from two kinds of facts:

- **automatic evidence**, read from the planes by the item's evidence keys
  (:mod:`controlplane.evidence`). Each value is judged on its own: *unknown* when the
  plane had nothing (never met), *expired* when it was observed more than the key's
  ``max_age_days`` ago (or carries no date while the key has a validity), else *met* or
  *not met* against the item's target. A yes/no item is judged by the evidence's
  ``verdict`` when the plane gives one (a figure such as an availability, with the rule
  the plane applied), else by the value read as yes or no; a figure without a verdict
  says nothing about a yes/no item and stays *unknown*;
- the establishment's **declaration** (a value and a note), which counts only where
  Socle measures nothing: a declaration cannot hide a fact the platform knows. It ages
  like the item's evidence (the shortest validity of its keys).

The item's status is then: not met if any fresh automatic value misses the target (one
measurement that fails is not hidden by another that passes); met if fresh automatic
values exist and all of them meet it; expired if Socle's only values are expired;
otherwise the declaration decides (met, not met, or expired); unknown when there is
nothing at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from controlplane.evidence import Evidence, EvidenceValue
from ssi.library import EvidenceRef, Indicator, Requirement

Item = Indicator | Requirement

YES, NO = "oui", "non"
_YES_WORDS = frozenset({"oui", "yes", "true", "ok", "met"})
_NO_WORDS = frozenset({"non", "no", "false", "failed", "absent"})


class Status(StrEnum):
    """Where an item stands for one establishment."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    EXPIRED = "expired"


class Basis(StrEnum):
    """What decided an item's status."""

    AUTOMATIC = "automatic"
    DECLARED = "declared"


@dataclass(frozen=True)
class Declared:
    """What the establishment declared for an item."""

    value: EvidenceValue
    note: str | None
    declared_at: datetime
    declared_by: str


@dataclass(frozen=True)
class AutomaticValue:
    """One piece of automatic evidence as judged for an item."""

    evidence: Evidence
    max_age_days: int | None
    expires_at: datetime | None
    status: Status


@dataclass(frozen=True)
class Judgement:
    """An item's status and what it rests on."""

    status: Status
    basis: Basis | None
    automatic: tuple[AutomaticValue, ...]
    declaration_expires_at: datetime | None


def yes_no(value: EvidenceValue) -> str | None:
    """``oui``/``non`` for a value: booleans and yes/no words as such; ``None`` when it
    cannot be read that way (a number does not say yes or no by itself)."""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _YES_WORDS:
            return YES
        if word in _NO_WORDS:
            return NO
    return None


def _numeric(item: Item) -> bool:
    return isinstance(item, Indicator) and item.kind == "usage"


def meets(item: Item, value: EvidenceValue) -> bool:
    """Whether ``value`` satisfies the item: a usage indicator's numeric target, an
    organisation indicator's oui/non target, or a requirement (met when ``oui``)."""
    if isinstance(item, Indicator) and item.kind == "usage":
        return item.target.is_met(value) if value is not None else False
    wanted = item.target.value if isinstance(item, Indicator) else YES
    return yes_no(value) == wanted


def _automatic_status(item: Item, found: Evidence) -> Status:
    """Met or not met from fresh evidence; unknown when a yes/no item gets a figure the
    plane drew no verdict from."""
    if _numeric(item):
        return Status.MET if meets(item, found.value) else Status.NOT_MET
    answer = found.verdict if found.verdict is not None else yes_no(found.value)
    if answer is None:
        return Status.UNKNOWN
    return Status.MET if meets(item, answer) else Status.NOT_MET


def _expiry(observed_at: datetime | None, max_age_days: int | None) -> datetime | None:
    if observed_at is None or max_age_days is None:
        return None
    return observed_at + timedelta(days=max_age_days)


def judge_evidence(item: Item, ref: EvidenceRef, found: Evidence, now: datetime) -> AutomaticValue:
    """One automatic value, judged for ``item`` at ``now``."""
    expires_at = _expiry(found.observed_at, ref.max_age_days)
    if not found.known:
        status = Status.UNKNOWN
    elif ref.max_age_days is not None and (expires_at is None or expires_at <= now):
        status = Status.EXPIRED
    else:
        status = _automatic_status(item, found)
    return AutomaticValue(found, ref.max_age_days, expires_at, status)


def declaration_validity(item: Item) -> int | None:
    """How many days a declaration stays valid: the shortest validity of the item's
    evidence keys; ``None`` (no expiry) for an item Socle has no evidence for."""
    ages = [ref.max_age_days for ref in item.evidence if ref.max_age_days is not None]
    return min(ages) if ages else None


def judge(
    item: Item,
    evidence: Sequence[tuple[EvidenceRef, Evidence]],
    declared: Declared | None,
    now: datetime,
) -> Judgement:
    """The status of ``item`` at ``now`` from its automatic evidence and declaration."""
    automatic = tuple(judge_evidence(item, ref, found, now) for ref, found in evidence)
    statuses = {value.status for value in automatic}
    declared_expiry = (
        _expiry(declared.declared_at, declaration_validity(item)) if declared else None
    )
    if Status.NOT_MET in statuses:
        return Judgement(Status.NOT_MET, Basis.AUTOMATIC, automatic, declared_expiry)
    if Status.MET in statuses:
        return Judgement(Status.MET, Basis.AUTOMATIC, automatic, declared_expiry)
    if Status.EXPIRED in statuses:
        return Judgement(Status.EXPIRED, Basis.AUTOMATIC, automatic, declared_expiry)
    if declared is None:
        return Judgement(Status.UNKNOWN, None, automatic, None)
    if declared_expiry is not None and declared_expiry <= now:
        status = Status.EXPIRED
    else:
        status = Status.MET if meets(item, declared.value) else Status.NOT_MET
    return Judgement(status, Basis.DECLARED, automatic, declared_expiry)


STATUS_LABELS: dict[str, str] = {
    Status.MET: "atteint",
    Status.NOT_MET: "non atteint",
    Status.EXPIRED: "preuve expirée",
    Status.UNKNOWN: "inconnu",
}


def label(status: Status | str) -> str:
    """A status as shown to people."""
    return STATUS_LABELS.get(status, str(status))
