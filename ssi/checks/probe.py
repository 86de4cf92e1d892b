"""One endpoint checked end to end (no database): ports, then TLS, then SSH.

The host is resolved and vetted first (:mod:`ssi.checks.addresses`): a host that is, or
now resolves to, a non-public address (nor allowed) is not connected to at all; the
outcome is then one finding saying why. Otherwise every probe connects to the vetted
address (the name is not resolved again; TLS still sends it as SNI).

A probe that cannot run (e.g. nothing listens on a declared SSH port) becomes a finding
rather than an error, so one broken endpoint never stops the others' checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from ssi.checks import addresses, ports, ssh, tls
from ssi.checks.findings import Finding, Severity, failing


@dataclass(frozen=True)
class Endpoint:
    """What to check on one host."""

    host: str
    ports: list[int]
    expected_open: list[int]
    tls_ports: list[int]
    ssh_ports: list[int]


@dataclass
class Outcome:
    """What the checks found on one endpoint (stored as a check result)."""

    open_ports: list[int] = field(default_factory=list)
    tls: list[dict[str, Any]] = field(default_factory=list)
    ssh: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No finding above informational."""
        return not failing(self.findings)


def check(endpoint: Endpoint, *, now: datetime, timeout: float = 3.0,
          allowed: Sequence[addresses.IPNetwork] = ()) -> Outcome:
    """Vet the host (public, or in ``allowed``), then scan the declared ports, audit TLS
    and SSH ports, and list the findings."""
    outcome = Outcome()
    try:
        address = str(addresses.vet(endpoint.host, allowed)[0])
    except addresses.Refused as refused:
        outcome.findings.append(Finding("address", 0, Severity.HIGH, refused.finding))
        return outcome
    server_name = None if addresses.is_literal(endpoint.host) else endpoint.host
    if endpoint.ports:
        outcome.open_ports = ports.scan(address, endpoint.ports, timeout=timeout)
        outcome.findings += ports.findings(outcome.open_ports, endpoint.expected_open)
    for port in endpoint.tls_ports:
        report = tls.probe(address, port, server_name=server_name, timeout=timeout)
        outcome.tls.append({**asdict(report), "not_after": report.not_after})
        outcome.findings += tls.findings(report, now)
    for port in endpoint.ssh_ports:
        try:
            audited = ssh.probe(address, port, timeout=timeout)
        except Exception as error:  # paramiko raises many kinds; the check goes on
            outcome.ssh.append({"port": port, "error": type(error).__name__})
            outcome.findings.append(Finding("ssh", port, Severity.MEDIUM,
                                            f"audit SSH impossible ({type(error).__name__})"))
            continue
        outcome.ssh.append(asdict(audited))
        outcome.findings += ssh.findings(audited)
    return outcome
