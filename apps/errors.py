"""Stable error codes of the apps plane (``APPS-xxxx``), used in messages and problem+json,
and ``store``: the plane's rows found, changed and removed with these errors.

Codes never change meaning; scripts and runbooks may match on them.
"""

from __future__ import annotations

from controlplane import rows
from controlplane.errors import Conflict, FieldError, InvalidInput, NotFound

INVALID = "APPS-0001"  # a field fails a rule the schema cannot check alone
UNKNOWN_SERVICE = "APPS-0002"  # no such service in the catalogue (422)
UNKNOWN_VERSION = "APPS-0003"  # the service has no such version (422)
CHECKSUM = "APPS-0004"  # the artifact does not match its catalogued SHA-256 (422)
CYCLE = "APPS-0005"  # the services' dependencies form a cycle (422)
CONFIG = "APPS-0006"  # a configuration or tenant settings fail their JSON Schema (422)
DEPENDENCY = "APPS-0007"  # a dependency is neither deployed healthy nor part of the request
PLACEMENT = "APPS-0008"  # a target does not meet a service's network requirement (422/409)
BUSY = "APPS-0009"  # another deployment of these services is in progress (409)
NO_PREVIOUS = "APPS-0010"  # nothing to roll back to (409)
SECRET_REFERENCE = "APPS-0011"  # noqa: S105 (an error code) — a secret reference is missing or cannot be resolved
INSTALLED = "APPS-0012"  # services are installed where the change would leave them (409)
STILL_REFERENCED = "APPS-0013"  # a removal while other rows still point at the object (409)

NOT_FOUND = {
    "target": "APPS-0101",
    "enrolment": "APPS-0111",
    "deployment": "APPS-0121",
    "instance": "APPS-0131",
    "service": "APPS-0141",
    "tenant": "APPS-0151",
}

DUPLICATE = {"target": "APPS-0102", "enrolment": "APPS-0112"}


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


def unknown_tenant(finess: str) -> NotFound:
    """404: no visible tenant has this FINESS."""
    return not_found("tenant", finess)


store = rows.PlaneRows("apps", not_found, unknown_tenant=unknown_tenant,
                       still_referenced_code=STILL_REFERENCED)
