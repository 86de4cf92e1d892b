"""What a technical check reports: findings with a severity, in French for the RSSI."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How bad a finding is; ``info`` findings do not fail a check."""

    INFO = "info"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Finding:
    """One thing a check found on one port of an endpoint."""

    check: str  # address (the host refused, nothing checked) | ports | tls | ssh
    port: int
    severity: Severity
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored with the result)."""
        return {**asdict(self), "severity": self.severity.value}


def failing(findings: list[Finding]) -> bool:
    """Whether any finding is more than informational."""
    return any(finding.severity is not Severity.INFO for finding in findings)
