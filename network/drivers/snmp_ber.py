"""Just enough BER for the poller's SNMP messages, without pyasn1's generic codec.

pyasn1 decodes a GETBULK answer of ~60 varbinds in ~8 ms (its CHOICE and constraint
machinery per value); this reads the same bytes in a fraction of that. Requests out:
GET/GETBULK PDUs with NULL values, wrapped in an SNMPv2c message. Answers in: the
Response/Report PDU of an SNMPv2c message into (OID tuple, value) pairs, the values as
the pysnmp types pysnmp's own decoder gives (Integer, Counter32, Counter64, TimeTicks,
EndOfMibView...), so that readers check them the same way. Definite lengths only (SNMP
agents send nothing else); anything else raises :class:`BerError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pyasn1.error import PyAsn1Error
from pyasn1.type import univ
from pysnmp.proto import rfc1902, rfc1905

Oid = tuple[int, ...]

SEQUENCE = 0x30
INTEGER = 0x02
OCTET_STRING = 0x04
NULL = 0x05
GET = 0xA0
RESPONSE = 0xA2
GET_BULK = 0xA5
REPORT = 0xA8
SNMP_V2C = 1

_VALUE_TYPES: dict[int, Any] = {
    INTEGER: rfc1902.Integer,
    OCTET_STRING: rfc1902.OctetString,
    0x40: rfc1902.IpAddress,
    0x41: rfc1902.Counter32,
    0x42: rfc1902.Gauge32,
    0x43: rfc1902.TimeTicks,
    0x44: rfc1902.Opaque,
    0x46: rfc1902.Counter64,
}
_EXCEPTIONS = {0x80: rfc1905.noSuchObject, 0x81: rfc1905.noSuchInstance,
               0x82: rfc1905.endOfMibView}
_NULL = univ.Null("")


class BerError(ValueError):
    """Bytes that are not the SNMP message expected."""


# --- encoding ---------------------------------------------------------------------------


def tlv(tag: int, content: bytes) -> bytes:
    """One BER element (definite length)."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


def integer(value: int) -> bytes:
    """A BER INTEGER (two's complement, shortest form)."""
    return tlv(INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def octets(value: bytes) -> bytes:
    """A BER OCTET STRING."""
    return tlv(OCTET_STRING, value)


def oid(value: Oid) -> bytes:
    """A BER OBJECT IDENTIFIER."""
    if len(value) < 2 or value[0] > 2 or (value[0] < 2 and value[1] > 39):
        raise BerError(f"not an OID: {value}")
    out = bytearray()
    for arc in (value[0] * 40 + value[1], *value[2:]):
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def request_pdu(
    tag: int, request_id: int, oids: Sequence[Oid], non_repeaters: int = 0,
    max_repetitions: int = 0,
) -> bytes:
    """A GET (``non_repeaters``/``max_repetitions`` 0) or GETBULK PDU asking for ``oids``."""
    varbinds = b"".join(tlv(SEQUENCE, oid(name) + b"\x05\x00") for name in oids)
    return tlv(tag, integer(request_id) + integer(non_repeaters) + integer(max_repetitions)
               + tlv(SEQUENCE, varbinds))


def v2c_message(community: bytes, pdu: bytes) -> bytes:
    """An SNMPv2c message carrying ``pdu``."""
    return tlv(SEQUENCE, integer(SNMP_V2C) + octets(community) + pdu)


# --- decoding ---------------------------------------------------------------------------


def read(data: bytes, offset: int, end: int) -> tuple[int, int, int]:
    """The element at ``offset``: (tag, content start, content end)."""
    if offset + 2 > end:
        raise BerError("truncated element")
    tag, size = data[offset], data[offset + 1]
    offset += 2
    if tag & 0x1F == 0x1F:
        raise BerError("multi-byte tag")
    if size & 0x80:
        count = size & 0x7F
        if not count or count > 4 or offset + count > end:
            raise BerError("indefinite or impossible length")
        size = int.from_bytes(data[offset:offset + count], "big")
        offset += count
    if offset + size > end:
        raise BerError("truncated element")
    return tag, offset, offset + size


def expect(data: bytes, offset: int, end: int, tag: int) -> tuple[int, int]:
    """The content (start, end) of the element at ``offset``, which must be ``tag``."""
    found, start, stop = read(data, offset, end)
    if found != tag:
        raise BerError(f"tag {found:#04x} where {tag:#04x} was expected")
    return start, stop


def read_integer(data: bytes, offset: int, end: int) -> tuple[int, int]:
    """(value, next offset) of the INTEGER at ``offset``."""
    start, stop = expect(data, offset, end, INTEGER)
    if start == stop:
        raise BerError("empty INTEGER")
    return int.from_bytes(data[start:stop], "big", signed=True), stop


def read_octets(data: bytes, offset: int, end: int) -> tuple[bytes, int]:
    """(value, next offset) of the OCTET STRING at ``offset``."""
    start, stop = expect(data, offset, end, OCTET_STRING)
    return data[start:stop], stop


def decode_oid(data: bytes, start: int, stop: int) -> Oid:
    """The OBJECT IDENTIFIER whose content is ``data[start:stop]``."""
    arcs: list[int] = []
    arc = 0
    for byte in data[start:stop]:
        arc = (arc << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(arc)
            arc = 0
    if not arcs or data[stop - 1] & 0x80:
        raise BerError("malformed OBJECT IDENTIFIER")
    first = arcs[0]
    head = (first // 40, first % 40) if first < 80 else (2, first - 80)
    return (*head, *arcs[1:])


@dataclass(frozen=True)
class Pdu:
    """A Response or Report PDU: its tag, request-id, error status/index and varbinds."""

    tag: int
    request_id: int
    error_status: int
    error_index: int
    varbinds: list[tuple[Oid, Any]]


def decode_pdu(data: bytes, offset: int, end: int) -> Pdu:
    """The Response or Report PDU at ``offset`` (nothing may follow it)."""
    tag, offset, stop = read(data, offset, end)
    if tag not in (RESPONSE, REPORT):
        raise BerError(f"PDU {tag:#04x} is not a Response or a Report")
    if stop != end:
        raise BerError("bytes after the PDU")
    request_id, offset = read_integer(data, offset, stop)
    error_status, offset = read_integer(data, offset, stop)
    error_index, offset = read_integer(data, offset, stop)
    offset, stop = expect(data, offset, stop, SEQUENCE)
    return Pdu(tag, request_id, error_status, error_index, _varbinds(data, offset, stop))


def _varbinds(data: bytes, offset: int, end: int) -> list[tuple[Oid, Any]]:
    varbinds = []
    try:
        while offset < end:
            start, offset = expect(data, offset, end, SEQUENCE)
            name_start, name_stop = expect(data, start, offset, 0x06)
            tag, value_start, value_stop = read(data, name_stop, offset)
            if value_stop != offset:
                raise BerError("varbind with more than a name and a value")
            varbinds.append((_cached_oid(data[name_start:name_stop]),
                             _value(tag, data[value_start:value_stop])))
    except PyAsn1Error as exc:  # a value out of its type's range
        raise BerError(f"bad value: {type(exc).__name__}") from exc
    return varbinds


@lru_cache(maxsize=16384)
def _cached_oid(content: bytes) -> Oid:
    """Varbind names repeat from poll to poll: decode each one once."""
    return decode_oid(content, 0, len(content))


def _value(tag: int, content: bytes) -> Any:
    kind = _VALUE_TYPES.get(tag)
    if kind is not None:
        if tag in (INTEGER, 0x41, 0x42, 0x43, 0x46):
            if not content:
                raise BerError("empty INTEGER")
            return kind(int.from_bytes(content, "big", signed=True))
        return kind(content)
    if tag == 0x06:
        return univ.ObjectIdentifier(decode_oid(content, 0, len(content)))
    if tag == NULL:
        return _NULL
    if tag in _EXCEPTIONS:
        return _EXCEPTIONS[tag]
    raise BerError(f"unknown value type {tag:#04x}")


SNMP_V3 = 3


def message_id(data: bytes) -> int:
    """What ties an answer to its request: the request-id of an SNMPv2c message, the
    msgID of an SNMPv3 one (read without the rest of the message)."""
    offset, end = expect(data, 0, len(data), SEQUENCE)
    version, offset = read_integer(data, offset, end)
    if version == SNMP_V2C:
        _community, offset = read_octets(data, offset, end)
        _tag, start, stop = read(data, offset, end)
        return read_integer(data, start, stop)[0]
    if version == SNMP_V3:
        start, stop = expect(data, offset, end, SEQUENCE)
        return read_integer(data, start, stop)[0]
    raise BerError(f"SNMP version {version} is not SNMPv2c nor SNMPv3")


def decode_v2c(data: bytes) -> tuple[bytes, Pdu]:
    """(community, PDU) of an SNMPv2c answer."""
    offset, end = expect(data, 0, len(data), SEQUENCE)
    if end != len(data):
        raise BerError("bytes after the message")
    version, offset = read_integer(data, offset, end)
    if version != SNMP_V2C:
        raise BerError(f"SNMP version {version} is not SNMPv2c")
    community, offset = read_octets(data, offset, end)
    return community, decode_pdu(data, offset, end)
