"""Stable error codes of the SLA part of the network plane (``NET-06xx``)."""

from __future__ import annotations

from dataclasses import dataclass

from controlplane.errors import Conflict, InvalidInput, SocleError
from network import errors as network_errors

INVALID_PERIOD = "NET-0601"  # a period, a range of periods or a minute is malformed (422)
DUPLICATE_CONTRACT = "NET-0602"  # a provider already has a contract for that class (409)
REPORT_UNAVAILABLE = "NET-0603"  # the PDF could not be printed (no Chromium...) (503)

MAX_MONTHS = 24  # the breach list covers at most two years at once


def invalid(field: str, message: str) -> InvalidInput:
    """422 naming ``field``."""
    return network_errors.invalid(field, message, code=INVALID_PERIOD)


def unknown_circuit(field: str, ident: object) -> InvalidInput:
    """422 naming ``field`` when it refers to a circuit that does not exist (or is not
    the caller's)."""
    return network_errors.unknown_reference(field, "circuit", ident)


def duplicate_contract(provider: str, sla_class: str) -> Conflict:
    """409: one contract per provider and SLA class."""
    return network_errors.conflict(
        DUPLICATE_CONTRACT, "sla_class", f"{provider} already has a {sla_class} contract"
    )


@dataclass
class ReportUnavailable(SocleError):
    """503: a report format this host cannot produce right now (e.g. PDF without Chromium)."""

    code: str = REPORT_UNAVAILABLE
    status: int = 503
    title: str = "Report unavailable"
