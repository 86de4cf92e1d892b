"""Stable error codes of the network plane (``NET-xxxx``), used in messages and problem+json,
and ``store``: the plane's rows found, inserted, changed and removed with these errors.

Codes never change meaning; scripts and runbooks may match on them. The plane raises the
control plane's error classes (:mod:`controlplane.errors`) with these codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from controlplane import rows
from controlplane.errors import Conflict, FieldError, InvalidInput, NotFound, SocleError

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
INVALID_PERIOD = "NET-0601"  # a period, a range of periods or a minute is malformed (422)
DUPLICATE_CONTRACT = "NET-0602"  # a provider already has a contract for that class (409)
REPORT_UNAVAILABLE = "NET-0603"  # the PDF could not be printed (no Chromium...) (503)


def not_found(kind: str, ident: object) -> NotFound:
    """404 for a missing (or another tenant's) object of ``kind``."""
    return NotFound(detail=f"no {kind} {ident}", code=NOT_FOUND[kind])


def duplicate(kind: str, field: str, value: object) -> Conflict:
    """409 for a second object of ``kind`` with the same ``field``."""
    return conflict(DUPLICATE[kind], field, f"{kind} {field} {value} already exists")


def unknown_reference(field: str, kind: str, ident: object) -> InvalidInput:
    """422 naming ``field`` when it refers to a missing object."""
    return InvalidInput.on(field, f"no {kind} {ident}", code=UNKNOWN_REFERENCE)


def invalid(field: str, message: str, code: str = INVALID) -> InvalidInput:
    """422 naming ``field``."""
    return InvalidInput.on(field, message, code=code)


def conflict(code: str, field: str, message: str) -> Conflict:
    """409 naming ``field``."""
    return Conflict(detail=f"{field}: {message}", code=code, errors=[FieldError(field, message)])


def invalid_period(field: str, message: str) -> InvalidInput:
    """422 naming ``field``: a period, a range of periods or a minute is malformed."""
    return invalid(field, message, code=INVALID_PERIOD)


def unknown_circuit(field: str, ident: object) -> InvalidInput:
    """422 naming ``field`` when it refers to a circuit that does not exist (or is not
    the caller's)."""
    return unknown_reference(field, "circuit", ident)


def duplicate_contract(provider: str, sla_class: str) -> Conflict:
    """409: one SLA contract per provider and SLA class."""
    return conflict(DUPLICATE_CONTRACT, "sla_class",
                    f"{provider} already has a {sla_class} contract")


@dataclass
class ReportUnavailable(SocleError):
    """503: a report format this host cannot produce right now (e.g. PDF without Chromium)."""

    code: str = REPORT_UNAVAILABLE
    status: int = 503
    title: str = "Report unavailable"


def unknown_tenant(finess: str) -> InvalidInput:
    """422: a body names a tenant (by FINESS) that does not exist or is not visible."""
    return unknown_reference("tenant", "tenant", finess)


store = rows.PlaneRows(
    "network",
    not_found,
    unknown_tenant=unknown_tenant,
    unknown_reference=unknown_reference,
    still_referenced_code=STILL_REFERENCED,
    concurrent_change_code=CONCURRENT_CHANGE,
)
