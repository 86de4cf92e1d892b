"""SSH server settings: the algorithms a server offers and whether it accepts passwords.

The offered algorithms are read from the server's own KEXINIT message, which an SSH
server sends right after the version exchange, before any key exchange: we read it raw
and decode it with paramiko's message reader, so we see everything the server offers,
not only what our client would agree to. The authentication methods come from a
paramiko ``none`` authentication attempt, which the server answers with the methods it
allows (RFC 4252 §5.2); no credential is ever sent.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

import paramiko

from ssi.checks.findings import Finding, Severity

MSG_KEXINIT = 20
PROBE_USER = "socle-audit"
CLIENT_VERSION = b"SSH-2.0-SocleAudit_1.0\r\n"
_MAX_BANNER_LINES = 50
_MAX_PACKET = 35_000

WEAK_KEX = ("diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1",
            "diffie-hellman-group-exchange-sha1", "gss-group1-sha1-", "gss-gex-sha1-",
            "gss-group14-sha1-")
WEAK_CIPHERS = ("-cbc", "arcfour", "3des", "blowfish", "cast128", "rijndael-cbc")
WEAK_MACS = ("md5", "-96", "ripemd160")
LEGACY_MACS = ("hmac-sha1", "umac-64")  # not broken, still OpenSSH defaults: reported as info
WEAK_HOST_KEYS = ("ssh-dss", "ssh-rsa")  # ssh-rsa: RSA with SHA-1 signatures
PASSWORD_METHODS = ("password", "keyboard-interactive")


@dataclass(frozen=True)
class SshReport:
    """What an SSH server offered."""

    port: int
    banner: str
    kex: list[str]
    host_keys: list[str]
    ciphers: list[str]
    macs: list[str]
    auth_methods: list[str]


def _read_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("the SSH server closed the connection")
        data += chunk
    return data


def _read_line(sock: socket.socket) -> bytes:
    line = b""
    while not line.endswith(b"\n"):
        line += _read_exactly(sock, 1)
        if len(line) > 255:
            break
    return line


def server_kexinit(host: str, port: int, *, timeout: float = 5.0) -> tuple[str, paramiko.Message]:
    """The server's version banner and its KEXINIT payload."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(CLIENT_VERSION)
        for _ in range(_MAX_BANNER_LINES):
            banner = _read_line(sock).decode("ascii", "replace").strip()
            if banner.startswith("SSH-"):
                break
        else:
            raise ConnectionError("no SSH version banner")
        length = struct.unpack(">I", _read_exactly(sock, 4))[0]
        if not 5 <= length <= _MAX_PACKET:
            raise ConnectionError(f"implausible SSH packet length {length}")
        packet = _read_exactly(sock, length)
        payload = packet[1:length - packet[0]]
    message = paramiko.Message(payload)
    if message.get_byte() != bytes([MSG_KEXINIT]):
        raise ConnectionError("the server's first packet is not KEXINIT")
    message.get_bytes(16)  # cookie
    return banner, message


def auth_methods(host: str, port: int, *, timeout: float = 5.0) -> list[str]:
    """The authentication methods the server allows (``none`` when it lets anyone in)."""
    transport = paramiko.Transport(socket.create_connection((host, port), timeout=timeout))
    try:
        transport.banner_timeout = transport.auth_timeout = timeout
        transport.start_client(timeout=timeout)
        try:
            transport.auth_none(PROBE_USER)
        except paramiko.BadAuthenticationType as refused:
            return list(refused.allowed_types)
        return ["none"]
    finally:
        transport.close()


def probe(host: str, port: int, *, timeout: float = 5.0) -> SshReport:
    """Read what the SSH server on ``host:port`` offers."""
    banner, kexinit = server_kexinit(host, port, timeout=timeout)
    kex, host_keys = kexinit.get_list(), kexinit.get_list()
    ciphers_cs, ciphers_sc = kexinit.get_list(), kexinit.get_list()
    macs_cs, macs_sc = kexinit.get_list(), kexinit.get_list()
    return SshReport(
        port=port, banner=banner,
        kex=[name for name in kex if not name.startswith(("ext-info-", "kex-strict-"))],
        host_keys=host_keys,
        ciphers=sorted(set(ciphers_cs) | set(ciphers_sc)),
        macs=sorted(set(macs_cs) | set(macs_sc)),
        auth_methods=auth_methods(host, port, timeout=timeout),
    )


def _weak(offered: list[str], patterns: tuple[str, ...]) -> list[str]:
    return [name for name in offered if any(pattern in name for pattern in patterns)]


def findings(report: SshReport) -> list[Finding]:
    """Password logins offered, and weak key exchanges, ciphers, MACs or host keys."""
    found = []
    if "none" in report.auth_methods:
        found.append(Finding("ssh", report.port, Severity.HIGH,
                             "connexion acceptée sans authentification"))
    passwords = [m for m in report.auth_methods if m in PASSWORD_METHODS]
    if passwords:
        offered = ", ".join(passwords)
        found.append(Finding("ssh", report.port, Severity.HIGH,
                             f"authentification par mot de passe proposée ({offered})"))
    for what, offered, patterns in (
        ("échanges de clés", report.kex, WEAK_KEX),
        ("chiffrements", report.ciphers, WEAK_CIPHERS),
        ("MAC", report.macs, WEAK_MACS),
        ("clés d'hôte", report.host_keys, WEAK_HOST_KEYS),
    ):
        weak = _weak(offered, patterns)
        if weak:
            found.append(Finding("ssh", report.port, Severity.MEDIUM,
                                 f"{what} faibles proposés : {', '.join(weak)}"))
    legacy = [name for name in _weak(report.macs, LEGACY_MACS) if name not in
              _weak(report.macs, WEAK_MACS)]
    if legacy:
        found.append(Finding("ssh", report.port, Severity.INFO,
                             f"MAC anciens encore proposés (à retirer) : {', '.join(legacy)}"))
    return found
