"""Stable error codes of the hosting plane (``HOST-xxxx``), used in messages and problem+json,
and ``store``: the plane's rows found and audited with these errors.

Codes never change meaning; scripts and runbooks may match on them. The plane raises the
control plane's error classes (:mod:`controlplane.errors`) with these codes.
"""

from __future__ import annotations

from controlplane import rows
from controlplane.errors import Conflict, FieldError, InvalidInput, NotFound, SocleError

INVALID = "HOST-0001"  # a field fails a rule the schema cannot check alone
UNKNOWN_REFERENCE = "HOST-0002"  # a body names an object that does not exist (422)
BAD_PARAMETER = "HOST-0003"  # a request parameter is unknown, missing or out of range (422)
QUOTA_EXCEEDED = "HOST-0004"  # the tenant's monthly hosting quota would be exceeded (409)
WRONG_STATE = "HOST-0005"  # the request is not in a state that allows this (409)
UNPLACEABLE = "HOST-0006"  # no set of providers satisfies the placement policy (409)
CREDENTIAL = "HOST-0007"  # a provider's secret reference cannot be resolved
PROVIDER_FAILED = "HOST-0008"  # a provider refused or could not be reached (502)
INTEGRITY = "HOST-0009"  # stored data no longer matches its recorded checksum (502)
UNKNOWN_SNAPSHOT = "HOST-0183"  # a restore test names a snapshot Socle did not record (422)

NOT_FOUND = {
    "provider": "HOST-0101",
    "offer": "HOST-0111",
    "request": "HOST-0121",
    "subscription": "HOST-0131",
    "tenant": "HOST-0141",
    "archive": "HOST-0151",
    "dr-plan": "HOST-0161",
    "dr-exercise": "HOST-0171",
    "backup-policy": "HOST-0181",
    "backup-repository": "HOST-0182",
}

DUPLICATE = {
    "provider": "HOST-0102",
    "offer": "HOST-0112",
    "archive": "HOST-0152",
    "dr-plan": "HOST-0162",
}


def not_found(kind: str, ident: object) -> NotFound:
    """404 for a missing (or another tenant's) object of ``kind``."""
    return NotFound(detail=f"no {kind} {ident}", code=NOT_FOUND[kind])


def duplicate(kind: str, field: str, value: object) -> Conflict:
    """409 for a second object of ``kind`` with the same ``field``."""
    return conflict(DUPLICATE[kind], field, f"{kind} {field} {value} already exists")


def invalid(field: str, message: str, code: str = INVALID) -> InvalidInput:
    """422 naming ``field``."""
    return InvalidInput.on(field, message, code=code)


def conflict(code: str, field: str, message: str) -> Conflict:
    """409 naming ``field``."""
    return Conflict(detail=f"{field}: {message}", code=code, errors=[FieldError(field, message)])


def provider_failed(message: str, code: str = PROVIDER_FAILED) -> SocleError:
    """502: a provider refused, could not be reached, or returned damaged data."""
    return SocleError(detail=message, code=code, status=502, title="Provider failed")


def unknown_snapshot(field: str, message: str) -> InvalidInput:
    """422: no recorded backup run (with its checksums) matches the snapshot asked for."""
    return InvalidInput.on(field, message, code=UNKNOWN_SNAPSHOT)


def unknown_tenant(finess: str) -> NotFound:
    """404: no visible tenant has this FINESS."""
    return not_found("tenant", finess)


store = rows.PlaneRows("hosting", not_found, unknown_tenant=unknown_tenant)
