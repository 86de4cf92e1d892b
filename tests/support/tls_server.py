"""A real TLS server on a free loopback port, with a certificate made for the test.

The certificate (self-signed, ECDSA P-256, generated with ``cryptography``) expires
``valid_days`` after now, so tests can audit a soon-expiring or expired certificate.
``minimum_version`` lets a test offer obsolete TLS versions too (security level 0 so
OpenSSL agrees to negotiate them). The server completes handshakes and closes.
"""

from __future__ import annotations

import socket
import ssl
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class TlsServer:
    """Where the server listens and the certificate it shows."""

    host: str
    port: int
    not_after: datetime
    common_name: str


def make_certificate(directory: Path, common_name: str, not_after: datetime) -> tuple[Path, Path]:
    """A self-signed certificate and its key (PEM files in ``directory``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.now(UTC) - timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _serve(listener: socket.socket, context: ssl.SSLContext, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue  # look at ``stop`` again
        except OSError:
            return
        with suppress(OSError, ssl.SSLError), connection:
            connection.settimeout(5)
            with context.wrap_socket(connection, server_side=True):
                pass


@contextmanager
def running_tls_server(
    directory: Path, *, valid_days: float = 10, common_name: str = "portail.test",
    minimum_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
) -> Iterator[TlsServer]:
    """Serve TLS on 127.0.0.1 (free port) until the block ends."""
    directory.mkdir(parents=True, exist_ok=True)
    not_after = (datetime.now(UTC) + timedelta(days=valid_days)).replace(microsecond=0)
    cert, key = make_certificate(directory, common_name, not_after)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with warnings.catch_warnings():  # offering obsolete versions is what some tests want
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = minimum_version
    if minimum_version < ssl.TLSVersion.TLSv1_2:
        context.set_ciphers("ALL:@SECLEVEL=0")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    thread = threading.Thread(target=_serve, args=(listener, context, stop), daemon=True)
    thread.start()
    try:
        yield TlsServer("127.0.0.1", listener.getsockname()[1], not_after, common_name)
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
