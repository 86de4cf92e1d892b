"""Stable error codes of the network plane (``NET-xxxx``), used in messages and problem+json.

Codes never change meaning; scripts and runbooks may match on them. The plane raises the
control plane's error classes (:mod:`controlplane.errors`) with these codes.
"""

from __future__ import annotations

from controlplane import rows
from controlplane.errors import Conflict, FieldError, InvalidInput, NotFound

INVALID = "NET-0001"  # a field fails a rule the schema cannot check alone
UNKNOWN_REFERENCE = "NET-0002"  # a body names an object that does not exist (422)
CONCURRENT_CHANGE = "NET-0003"  # lost a race on a unique key several times: retry
STILL_REFERENCED = "NET-0004"  # a removal while other rows still point at the object (409)

NOT_FOUND = {
    "provider": "NET-0101",
    "site": "NET-0111",
    "device": "NET-0121",
    "circuit": "NET-0131",
    "maintenance": "NET-0141",
    "pool": "NET-0201",
    "prefix": "NET-0211",
    "vrf": "NET-0301",
    "migration": "NET-0401",
    "config-backup": "NET-0411",
}

DUPLICATE = {
    "provider": "NET-0102",
    "site": "NET-0112",
    "device": "NET-0122",
    "circuit": "NET-0132",
    "pool": "NET-0202",
    "vrf": "NET-0302",
}

POOL_OVERLAP = "NET-0203"  # a new pool overlaps an existing one (409)
OUTSIDE_POOL = "NET-0212"  # an explicit prefix lies in no pool (422)
PREFIX_OVERLAP = "NET-0213"  # a prefix overlaps an allocated one (409)
POOL_EXHAUSTED = "NET-0214"  # no free prefix of that length left (409)
BAD_LENGTH = "NET-0215"  # prefix length impossible in that pool (422)
RD_COLLISION = "NET-0303"  # route distinguisher already used (409)
RT_COLLISION = "NET-0304"  # route target already used or reserved (409)
VPN_NUMBERS_EXHAUSTED = "NET-0305"  # no ASN:N value left (409)
MIGRATION_STATE = "NET-0402"  # the site is not on MPLS, or already has an open migration (409)
NOT_A_NETWORK_PLAN = "NET-0403"  # the plan given to /network/apply is another plane's (422)


def not_found(kind: str, ident: object) -> NotFound:
    """404 for a missing (or another tenant's) object of ``kind``."""
    return NotFound(detail=f"no {kind} {ident}", code=NOT_FOUND[kind])


def duplicate(kind: str, field: str, value: object) -> Conflict:
    """409 for a second object of ``kind`` with the same ``field``."""
    return conflict(DUPLICATE[kind], field, f"{kind} {field} {value} already exists")


def still_referenced(kind: str, ident: object, found: dict[str, int]) -> Conflict:
    """409 for removing an object other rows still point at (``found``: rows per table)."""
    return rows.still_referenced(kind, ident, found, code=STILL_REFERENCED)


def unknown_reference(field: str, kind: str, ident: object) -> InvalidInput:
    """422 naming ``field`` when it refers to a missing object."""
    return InvalidInput.on(field, f"no {kind} {ident}", code=UNKNOWN_REFERENCE)


def invalid(field: str, message: str, code: str = INVALID) -> InvalidInput:
    """422 naming ``field``."""
    return InvalidInput.on(field, message, code=code)


def conflict(code: str, field: str, message: str) -> Conflict:
    """409 naming ``field``."""
    return Conflict(detail=f"{field}: {message}", code=code, errors=[FieldError(field, message)])
