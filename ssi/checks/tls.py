"""TLS: which protocol versions an endpoint accepts, and its certificate's expiry.

Each version is tried alone (minimum = maximum), without verifying the certificate (we
audit what the server offers, not whether we trust it) and with OpenSSL's security
level 0 so that old versions can still be negotiated by the client. The certificate is
read from the handshake (DER) and parsed with ``cryptography``.
"""

from __future__ import annotations

import socket
import ssl
import warnings
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from ssi.checks.findings import Finding, Severity

VERSIONS: dict[str, ssl.TLSVersion] = {
    "TLSv1.0": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
OBSOLETE = ("TLSv1.0", "TLSv1.1")
EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class TlsReport:
    """What a TLS endpoint accepted, and its certificate (when a handshake succeeded)."""

    port: int
    accepted: list[str]
    subject: str | None
    issuer: str | None
    not_after: datetime | None


def _handshake(host: str, port: int, version: ssl.TLSVersion, server_name: str | None,
               timeout: float) -> bytes | None:
    """The server's certificate (DER) if a handshake in exactly ``version`` succeeds."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with warnings.catch_warnings():  # probing obsolete versions is the point
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = context.maximum_version = version
        context.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        return None  # this OpenSSL cannot even offer that version
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=server_name or host) as tls:
            return tls.getpeercert(binary_form=True) or b""
    except (OSError, ssl.SSLError):
        return None


def probe(host: str, port: int, *, server_name: str | None = None,
          timeout: float = 3.0) -> TlsReport:
    """Try every TLS version on ``host:port``; read the certificate of the newest one."""
    accepted, certificate = [], None
    for name, version in VERSIONS.items():
        der = _handshake(host, port, version, server_name, timeout)
        if der is not None:
            accepted.append(name)
            certificate = der or certificate
    if not certificate:
        return TlsReport(port, accepted, None, None, None)
    parsed = x509.load_der_x509_certificate(certificate)
    return TlsReport(port, accepted, parsed.subject.rfc4514_string(),
                     parsed.issuer.rfc4514_string(), parsed.not_valid_after_utc)


def findings(report: TlsReport, now: datetime) -> list[Finding]:
    """Obsolete versions accepted, no TLS at all, an expired or soon-expiring certificate."""
    found = [
        Finding("tls", report.port, Severity.HIGH, f"{version} (obsolète) accepté")
        for version in report.accepted if version in OBSOLETE
    ]
    if not report.accepted:
        found.append(Finding("tls", report.port, Severity.MEDIUM,
                             "aucune négociation TLS possible sur ce port"))
    if report.not_after is not None:
        days = (report.not_after - now).total_seconds() / 86400
        if days <= 0:
            found.append(Finding("tls", report.port, Severity.HIGH,
                                 f"certificat expiré le {report.not_after:%d/%m/%Y}"))
        elif days < EXPIRY_WARNING_DAYS:
            found.append(Finding("tls", report.port, Severity.MEDIUM,
                                 f"certificat expirant le {report.not_after:%d/%m/%Y} "
                                 f"(dans {int(days)} jours)"))
    return found
