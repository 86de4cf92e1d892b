"""The placement policy: which providers may hold a request's copies, and why.

A pure function of the providers' facts, what the offer needs and today's date, so it
is tested without a database and its explanation is shown in the request's plan
before approval. A provider is refused when its HDS certificate has expired, does not
cover an activity the offer needs, when it stores data outside the EEA, lacks the
endpoint the offer needs, or has not enough capacity left: what the request asks per
copy (storage in GB, vCPUs) must fit in what the provider declares minus what placed
requests already hold there (:mod:`hosting.subscriptions.capacity`). Copies go to
distinct providers in distinct locations; a tier with two copies or more that cannot get
them is refused. Each provider's verdict shows what it has left, and a refusal names
every provider's reasons with the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, NamedTuple

#: The European Economic Area (EU 27 + Iceland, Liechtenstein, Norway), ISO 3166 alpha-2.
EEA_COUNTRIES = frozenset(
    {
        *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"),
        *("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"),
        *("IS", "LI", "NO"),
    }
)

#: HDS activities (referential v2) each kind of offer relies on: 1 physical sites,
#: 2 hardware infrastructure, 3 virtual infrastructure, 4 application platform,
#: 5 administration and operation, 6 backup.
ACTIVITIES_BY_KIND: dict[str, tuple[int, ...]] = {
    "dry-hosting": (1, 2),
    "storage": (1, 2),
    "vm": (1, 2, 3, 5),
    "backup": (1, 2, 6),
    "archive": (1, 2, 6),
    "dr": (1, 2, 3, 5, 6),
}

#: The endpoint each kind provisions through.
ENDPOINT_BY_KIND: dict[str, str | None] = {
    "dry-hosting": None,
    "storage": "s3",
    "vm": "ec2",
    "backup": "s3",
    "archive": "s3",
    "dr": "ec2",
}


class Held(NamedTuple):
    """What placed requests hold on one provider: storage (GB) and vCPUs."""

    gb: int = 0
    vcpus: int = 0


@dataclass(frozen=True)
class ProviderFacts:
    """What placement knows about a provider."""

    name: str
    activities: frozenset[int]
    certificate_expires_on: date
    country: str
    location: str
    endpoints: frozenset[str]
    capacity_gb: int
    capacity_vcpus: int = 0
    held_gb: int = 0
    held_vcpus: int = 0

    @property
    def left_gb(self) -> int:
        """Storage (GB) not yet held by placed requests (never below zero)."""
        return max(self.capacity_gb - self.held_gb, 0)

    @property
    def left_vcpus(self) -> int:
        """vCPUs not yet held by placed requests (never below zero)."""
        return max(self.capacity_vcpus - self.held_vcpus, 0)


@dataclass(frozen=True)
class Need:
    """What a request needs: its offer's kind, number of copies, and per copy its
    storage (GB) and vCPUs."""

    kind: str
    copies: int = 1
    size_gb: int = 0
    vcpus: int = 0

    @property
    def activities(self) -> tuple[int, ...]:
        """The HDS activities the provider must be certified for."""
        return ACTIVITIES_BY_KIND[self.kind]


@dataclass(frozen=True)
class Verdict:
    """One provider's eligibility, the reasons it was refused (empty if eligible) and
    the capacity it had left before this request."""

    provider: str
    eligible: bool
    left_gb: int
    capacity_gb: int
    left_vcpus: int
    capacity_vcpus: int
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Placement:
    """The decision: ``chosen`` providers (one per copy, in order) and its explanation."""

    ok: bool
    chosen: list[str]
    verdicts: list[Verdict]
    reasons: list[str]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (stored in the request's plan)."""
        return asdict(self)


def certificate_expired(expires_on: date, day: date) -> bool:
    """Whether an HDS certificate ending on ``expires_on`` no longer covers ``day`` (it is
    valid through its last day)."""
    return expires_on < day


def refusals(provider: ProviderFacts, need: Need, today: date) -> list[str]:
    """Why ``provider`` may not hold any copy of ``need`` (empty: it may)."""
    reasons = []
    if certificate_expired(provider.certificate_expires_on, today):
        reasons.append(f"HDS certificate expired on {provider.certificate_expires_on}")
    missing = sorted(set(need.activities) - provider.activities)
    if missing:
        reasons.append(f"HDS certificate does not cover activities {missing}")
    if provider.country.upper() not in EEA_COUNTRIES:
        reasons.append(f"stores data in {provider.country}, outside the EEA")
    endpoint = ENDPOINT_BY_KIND[need.kind]
    if endpoint is not None and endpoint not in provider.endpoints:
        reasons.append(f"has no {endpoint.upper()} endpoint")
    if need.size_gb > provider.left_gb:
        reasons.append(f"{provider.left_gb} GB left of {provider.capacity_gb}, "
                       f"{need.size_gb} asked")
    if need.vcpus > provider.left_vcpus:
        reasons.append(f"{provider.left_vcpus} vCPUs left of {provider.capacity_vcpus}, "
                       f"{need.vcpus} asked")
    return reasons


def place(providers: Sequence[ProviderFacts], need: Need, today: date) -> Placement:
    """Choose one eligible provider per copy, each in a new provider and location.

    Providers are tried in the order given (by name), so the decision is stable.
    """
    verdicts = []
    chosen: list[ProviderFacts] = []
    for provider in providers:
        reasons = refusals(provider, need, today)
        if not reasons and len(chosen) < need.copies:
            if any(c.location == provider.location for c in chosen):
                reasons = [f"location {provider.location} already holds a copy"]
            else:
                chosen.append(provider)
        verdicts.append(Verdict(provider.name, not reasons, provider.left_gb,
                                provider.capacity_gb, provider.left_vcpus,
                                provider.capacity_vcpus, reasons))
    enough = len(chosen) >= need.copies
    if enough:
        summary = [
            f"copy {i + 1} on {p.name} ({p.location}, {p.country})" for i, p in enumerate(chosen)
        ]
    else:
        wanted = ("1 copy needs an eligible provider" if need.copies == 1 else
                  f"{need.copies} copies need {need.copies} eligible providers in distinct "
                  "locations")
        summary = [
            f"{wanted}; found {len(chosen)}",
            *(f"{v.provider}: {'; '.join(v.reasons)}" for v in verdicts if v.reasons),
        ]
    return Placement(
        ok=enough,
        chosen=[p.name for p in chosen] if enough else [],
        verdicts=verdicts,
        reasons=summary,
    )
