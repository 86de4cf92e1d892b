"""The VPN plan as pure functions: RD/RT values and the hub-and-spoke policy between VRFs.

RDs and RTs are ``ASN:N`` with the GCS's private AS number. Two RTs are reserved:

- the *hub* RT (``ASN:1``), exported by shared-services VRFs and imported by every
  tenant VRF;
- the *spoke* RT (``ASN:2``), exported by every tenant VRF and imported by the
  shared-services VRFs.

Each VRF also imports and exports its own RT (a tenant's sites reach each other). So
every tenant VRF and the shared services reach each other, and no tenant VRF imports a
route another tenant's VRF exports. :func:`reachability` computes the relation from the
RTs alone, so the property can be checked on any set of VRFs (:func:`violations`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

HUB_NUMBER = 1
SPOKE_NUMBER = 2
FIRST_ALLOCATED = 100  # below this, numbers are reserved for well-known RTs

MAX_ASN = 4_294_967_295
AS_TRANS = 23_456  # RFC 6793: never a real AS
_VALUE = re.compile(r"^(\d{1,10}):(\d{1,10})$")


class VrfKind(StrEnum):
    """A VRF carries the shared services (hub) or one tenant's service (spoke)."""

    SHARED = "shared"
    TENANT = "tenant"


def asn_error(asn: int) -> str | None:
    """Why ``asn`` is not a usable AS number (None when it is one)."""
    if not 1 <= asn < MAX_ASN:
        return f"an AS number is between 1 and {MAX_ASN - 1}"
    if asn == AS_TRANS:
        return "AS 23456 is AS_TRANS (RFC 6793), never a real AS"
    return None


def number_limit(asn: int) -> int:
    """Highest N of ``ASN:N``: 32 bits after a 2-byte ASN, 16 bits after a 4-byte one."""
    return 0xFFFF_FFFF if asn <= 0xFFFF else 0xFFFF


def parse_value(text: str) -> tuple[int, int]:
    """``"65010:100"`` → ``(65010, 100)``; ``ValueError`` naming what is wrong."""
    match = _VALUE.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not ASN:N (e.g. 65010:100)")
    asn, number = int(match[1]), int(match[2])
    if (reason := asn_error(asn)) is not None:
        raise ValueError(reason)
    if number > number_limit(asn):
        raise ValueError(f"N is at most {number_limit(asn)} after AS {asn}")
    return asn, number


def format_value(asn: int, number: int) -> str:
    """``ASN:N`` as routers spell it."""
    return f"{asn}:{number}"


def hub_target(asn: int) -> str:
    """The RT every shared-services VRF exports."""
    return format_value(asn, HUB_NUMBER)


def spoke_target(asn: int) -> str:
    """The RT every tenant VRF exports."""
    return format_value(asn, SPOKE_NUMBER)


def reserved_targets(asn: int) -> frozenset[str]:
    """RTs no VRF may take as its own."""
    return frozenset({hub_target(asn), spoke_target(asn)})


def policy(kind: VrfKind, own_target: str, asn: int) -> tuple[list[str], list[str]]:
    """(import RTs, export RTs) of a VRF of ``kind`` whose own RT is ``own_target``."""
    if kind is VrfKind.SHARED:
        return [own_target, spoke_target(asn)], [own_target, hub_target(asn)]
    return [own_target, hub_target(asn)], [own_target, spoke_target(asn)]


def lowest_free(used: Iterable[int], limit: int, start: int = FIRST_ALLOCATED) -> int | None:
    """The smallest number ≥ ``start`` and ≤ ``limit`` not in ``used`` (None if none)."""
    taken = set(used)
    number = start
    while number in taken:
        number += 1
    return number if number <= limit else None


@dataclass(frozen=True)
class VrfPolicy:
    """What reachability depends on: a VRF's kind, tenant and RTs."""

    name: str
    kind: VrfKind
    tenant: str | None
    imports: frozenset[str]
    exports: frozenset[str]


def reachability(vrfs: Iterable[VrfPolicy]) -> set[tuple[str, str]]:
    """Pairs ``(a, b)`` of distinct VRFs where ``a`` imports a route target ``b`` exports.

    ``a`` then has routes to ``b``'s prefixes; two-way traffic needs both pairs.
    """
    vrfs = list(vrfs)
    return {
        (a.name, b.name) for a in vrfs for b in vrfs if a.name != b.name and a.imports & b.exports
    }


def violations(vrfs: Iterable[VrfPolicy]) -> list[str]:
    """Every break of hub-and-spoke: a tenant and the shared services not reaching each
    other both ways, or a tenant VRF reaching another tenant's."""
    vrfs = list(vrfs)
    reach = reachability(vrfs)
    shared = [v for v in vrfs if v.kind is VrfKind.SHARED]
    spokes = [v for v in vrfs if v.kind is VrfKind.TENANT]
    found = [
        f"{a.name} does not reach {b.name}"
        for spoke in spokes
        for hub in shared
        for a, b in ((spoke, hub), (hub, spoke))
        if (a.name, b.name) not in reach
    ]
    found += [
        f"{a.name} (tenant {a.tenant}) reaches {b.name} (tenant {b.tenant})"
        for a in spokes
        for b in spokes
        if a.tenant != b.tenant and (a.name, b.name) in reach
    ]
    return found
