"""SNMPv3 messages with the User-based Security Model (RFC 3414), authPriv, for the
poller's own codec (:mod:`network.drivers.snmp_ber`).

Keys are derived and localized, and the payload enciphered, by pysnmp's own USM
services (every auth and priv protocol pysnmp has: MD5, SHA-1, SHA-2; DES, 3DES, AES
128/192/256 with both key extensions); HMACs are the standard library's. What is left
here is the message layout: requests out (authPriv, or the noAuthNoPriv discovery of an
agent's snmpEngineID), answers in (digest checked, payload deciphered, PDU read).
Keys never leave this module's objects, and no error message holds them.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from pyasn1.type import univ
from pysnmp.entity import config as pysnmp_config
from pysnmp.error import PySnmpError

from network.drivers import snmp_ber as ber
from network.drivers.snmp_types import AuthProtocol, PrivProtocol, V3Credentials

USM = 3
MAX_SIZE = 65507
REPORTABLE, AUTH, PRIV = 0x04, 0x01, 0x02
_AUTH = {  # protocol: (pysnmp service ID, hash, digest length)
    AuthProtocol.MD5: (pysnmp_config.USM_AUTH_HMAC96_MD5, hashlib.md5, 12),
    AuthProtocol.SHA: (pysnmp_config.USM_AUTH_HMAC96_SHA, hashlib.sha1, 12),
    AuthProtocol.SHA224: (pysnmp_config.USM_AUTH_HMAC128_SHA224, hashlib.sha224, 16),
    AuthProtocol.SHA256: (pysnmp_config.USM_AUTH_HMAC192_SHA256, hashlib.sha256, 24),
    AuthProtocol.SHA384: (pysnmp_config.USM_AUTH_HMAC256_SHA384, hashlib.sha384, 32),
    AuthProtocol.SHA512: (pysnmp_config.USM_AUTH_HMAC384_SHA512, hashlib.sha512, 48),
}
_PRIV = {
    PrivProtocol.DES: pysnmp_config.USM_PRIV_CBC56_DES,
    PrivProtocol.TRIPLE_DES: pysnmp_config.USM_PRIV_CBC168_3DES,
    PrivProtocol.AES: pysnmp_config.USM_PRIV_CFB128_AES,
    PrivProtocol.AES192: pysnmp_config.USM_PRIV_CFB192_AES,
    PrivProtocol.AES256: pysnmp_config.USM_PRIV_CFB256_AES,
    PrivProtocol.AES192_BLUMENTHAL: pysnmp_config.USM_PRIV_CFB192_AES_BLUMENTHAL,
    PrivProtocol.AES256_BLUMENTHAL: pysnmp_config.USM_PRIV_CFB256_AES_BLUMENTHAL,
}
_USM_STATS = (1, 3, 6, 1, 6, 3, 15, 1, 1)  # usmStats: why an agent sent a Report
REPORTS = {
    1: "UnsupportedSecurityLevel",
    2: "NotInTimeWindow",
    3: "UnknownUserName",
    4: "UnknownEngineID",
    5: "WrongDigest",
    6: "DecryptionError",
}


class UsmError(Exception):
    """An answer the security model refuses (wrong digest, undecipherable payload);
    the message names the RFC 3414 error (the pysnmp error indication's name)."""


class Keys:
    """A user's keys localized to one snmpEngineID (not shown by repr)."""

    def __init__(self, creds: V3Credentials, engine_id: bytes) -> None:
        auth_id, self._hash, self.digest_length = _AUTH[creds.auth_protocol]
        self._priv_id = _PRIV[creds.priv_protocol]
        engine = univ.OctetString(engine_id)
        self._auth_key = bytes(_auth_service(auth_id).localize_key(
            _master_auth_key(auth_id, creds.auth_key), engine))
        self._priv_key = _priv_service(self._priv_id).localize_key(
            auth_id, _master_priv_key(self._priv_id, auth_id, creds.priv_key), engine)

    def __repr__(self) -> str:
        return "Keys(...)"

    def digest(self, message: bytes) -> bytes:
        """The message's HMAC (its digest field zeroed), truncated as the protocol says."""
        return hmac.new(self._auth_key, message, self._hash).digest()[: self.digest_length]

    def encrypt(self, boots: int, time: int, data: bytes) -> tuple[bytes, bytes]:
        """(enciphered data, msgPrivacyParameters)."""
        try:
            encrypted, salt = _priv_service(self._priv_id).encrypt_data(
                self._priv_key, (boots, time, None), data)
        except PySnmpError as exc:
            raise UsmError("EncryptionError") from exc
        return bytes(encrypted), bytes(salt)

    def decrypt(self, boots: int, time: int, salt: bytes, data: bytes) -> bytes:
        """The deciphered payload of an answer."""
        try:
            return bytes(_priv_service(self._priv_id).decrypt_data(
                self._priv_key, (boots, time, univ.OctetString(salt)), univ.OctetString(data)))
        except (PySnmpError, ValueError) as exc:
            raise UsmError("DecryptionError") from exc


@lru_cache(maxsize=256)
def _master_auth_key(auth_id: tuple[int, ...], passphrase: str) -> univ.OctetString:
    """RFC 3414 password-to-key (a megabyte of hashing: done once per passphrase)."""
    return _auth_service(auth_id).hash_passphrase(passphrase)


@lru_cache(maxsize=256)
def _master_priv_key(
    priv_id: tuple[int, ...], auth_id: tuple[int, ...], passphrase: str
) -> univ.OctetString:
    return _priv_service(priv_id).hash_passphrase(auth_id, passphrase)


def _auth_service(auth_id: tuple[int, ...]) -> object:
    return pysnmp_config.AUTH_SERVICES[auth_id]


def _priv_service(priv_id: tuple[int, ...]) -> object:
    return pysnmp_config.PRIV_SERVICES[priv_id]


def _message(message_id: int, flags: int, security: bytes, data: bytes) -> bytes:
    header = ber.tlv(ber.SEQUENCE, ber.integer(message_id) + ber.integer(MAX_SIZE)
                     + ber.octets(bytes((flags,))) + ber.integer(USM))
    return ber.tlv(ber.SEQUENCE, ber.integer(ber.SNMP_V3) + header + ber.octets(security)
                   + data)


def _security(engine_id: bytes, boots: int, time: int, user: bytes, digest: bytes,
              salt: bytes) -> bytes:
    return ber.tlv(ber.SEQUENCE, ber.octets(engine_id) + ber.integer(boots) + ber.integer(time)
                   + ber.octets(user) + ber.octets(digest) + ber.octets(salt))


def _scoped(engine_id: bytes, context: bytes, pdu: bytes) -> bytes:
    return ber.tlv(ber.SEQUENCE, ber.octets(engine_id) + ber.octets(context) + pdu)


def discovery(message_id: int, request_id: int) -> bytes:
    """A noAuthNoPriv GET without varbinds: agents answer it with a Report carrying
    their snmpEngineID (RFC 3414 4)."""
    pdu = ber.request_pdu(ber.GET, request_id, [])
    return _message(message_id, REPORTABLE, _security(b"", 0, 0, b"", b"", b""),
                    _scoped(b"", b"", pdu))


def request(
    keys: Keys, creds: V3Credentials, engine_id: bytes, boots: int, time: int,
    message_id: int, pdu: bytes,
) -> bytes:
    """An authPriv message carrying ``pdu``, its digest computed."""
    encrypted, salt = keys.encrypt(boots, time, _scoped(engine_id, creds.context_name.encode(),
                                                        pdu))
    placeholder = bytes(keys.digest_length)
    message = _message(message_id, REPORTABLE | AUTH | PRIV,
                       _security(engine_id, boots, time, creds.user.encode(), placeholder, salt),
                       ber.octets(encrypted))
    start, stop = _read(message).digest_at
    return message[:start] + keys.digest(message) + message[stop:]


@dataclass(frozen=True)
class Answer:
    """An SNMPv3 answer: the agent's engine ID, boots and time, whether its digest was
    checked, and its PDU."""

    engine_id: bytes
    boots: int
    time: int
    authenticated: bool
    pdu: ber.Pdu

    def report(self) -> str | None:
        """The RFC 3414 error a Report stands for (its usmStats counter), if one is."""
        if self.pdu.tag != ber.REPORT:
            return None
        oid = self.pdu.varbinds[0][0] if self.pdu.varbinds else ()
        if oid[: len(_USM_STATS)] == _USM_STATS and len(oid) == len(_USM_STATS) + 2:
            return REPORTS.get(oid[len(_USM_STATS)], "ReportPdu")
        return "ReportPdu"


@dataclass(frozen=True)
class _Fields:
    flags: int
    engine_id: bytes
    boots: int
    time: int
    user: bytes
    digest_at: tuple[int, int]
    salt: bytes
    data_at: tuple[int, int, int]  # tag, start, stop of msgData


def _read(data: bytes) -> _Fields:
    offset, end = ber.expect(data, 0, len(data), ber.SEQUENCE)
    if end != len(data):
        raise ber.BerError("bytes after the message")
    version, offset = ber.read_integer(data, offset, end)
    if version != ber.SNMP_V3:
        raise ber.BerError(f"SNMP version {version} is not SNMPv3")
    start, offset = ber.expect(data, offset, end, ber.SEQUENCE)
    _message_id, start = ber.read_integer(data, start, offset)
    _max_size, start = ber.read_integer(data, start, offset)
    flags, start = ber.read_octets(data, start, offset)
    model, _ = ber.read_integer(data, start, offset)
    if len(flags) != 1 or model != USM:
        raise ber.BerError("not a USM message")
    start, offset = ber.expect(data, offset, end, ber.OCTET_STRING)
    start, stop = ber.expect(data, start, offset, ber.SEQUENCE)
    engine_id, start = ber.read_octets(data, start, stop)
    boots, start = ber.read_integer(data, start, stop)
    time, start = ber.read_integer(data, start, stop)
    user, start = ber.read_octets(data, start, stop)
    digest_start, digest_stop = ber.expect(data, start, stop, ber.OCTET_STRING)
    salt, _ = ber.read_octets(data, digest_stop, stop)
    tag, data_start, data_stop = ber.read(data, offset, end)
    if data_stop != end:
        raise ber.BerError("bytes after msgData")
    return _Fields(flags[0], engine_id, boots, time, user, (digest_start, digest_stop), salt,
                   (tag, data_start, data_stop))


def digest_span(data: bytes) -> tuple[int, int] | None:
    """Where an authenticated message carries its digest (start, stop); None for a
    message without authentication or one that cannot be read."""
    try:
        fields = _read(data)
    except ber.BerError:
        return None
    return fields.digest_at if fields.flags & AUTH else None


def answer(data: bytes, keys: Keys | None, user: str) -> Answer:
    """Read an answer. With ``keys``, an authenticated answer's digest is checked and its
    payload deciphered (UsmError when either fails); unauthenticated answers (Reports)
    are read as they are. Raises BerError for anything unreadable."""
    fields = _read(data)
    authenticated = bool(fields.flags & AUTH)
    if authenticated:
        if keys is None or fields.user != user.encode():
            raise UsmError("UnknownUserName")
        start, stop = fields.digest_at
        if stop - start != keys.digest_length or not hmac.compare_digest(
            data[start:stop], keys.digest(data[:start] + bytes(stop - start) + data[stop:])
        ):
            raise UsmError("WrongDigest")
    tag, start, stop = fields.data_at
    if fields.flags & PRIV:
        if not authenticated or tag != ber.OCTET_STRING or keys is None:
            raise ber.BerError("enciphered payload without authentication")
        payload = keys.decrypt(fields.boots, fields.time, fields.salt, data[start:stop])
        start, stop = ber.expect(payload, 0, len(payload), ber.SEQUENCE)  # DES pads its end
    elif tag == ber.SEQUENCE:
        payload = data
    else:
        raise ber.BerError("msgData is not a ScopedPDU")
    _context_engine, start = ber.read_octets(payload, start, stop)
    _context_name, start = ber.read_octets(payload, start, stop)
    return Answer(fields.engine_id, fields.boots, fields.time, authenticated,
                  ber.decode_pdu(payload, start, stop))
