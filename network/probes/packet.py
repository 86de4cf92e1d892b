"""The probe packet, TWAMP-light style: the sender's sequence number and send time,
echoed with the reflector's own count and time (network byte order), then padding."""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAGIC = b"SCLP"
_SENT = struct.Struct("!4sIQ")  # magic, sequence, sender time (ns, its own clock)
_REFLECTED = struct.Struct("!QI")  # reflector time (ns), reflector's receive count
SIZE = 64  # bytes on the wire (UDP payload)


class MalformedProbe(ValueError):
    """Not a probe packet."""


@dataclass(frozen=True)
class Reply:
    """A reflected probe."""

    sequence: int
    sent_ns: int
    reflector_ns: int
    reflector_count: int


def request(sequence: int, sent_ns: int) -> bytes:
    """The packet the prober sends."""
    return _SENT.pack(MAGIC, sequence, sent_ns).ljust(SIZE, b"\0")


def reflect(data: bytes, reflector_ns: int, count: int) -> bytes:
    """The reflector's answer to ``data`` (MalformedProbe if it is not a probe)."""
    if len(data) < _SENT.size + _REFLECTED.size or data[:4] != MAGIC:
        raise MalformedProbe("not a probe")
    head = data[:_SENT.size]
    return (head + _REFLECTED.pack(reflector_ns, count)).ljust(len(data), b"\0")


def parse_reply(data: bytes) -> Reply:
    """A reflected probe (MalformedProbe if it is not one)."""
    if len(data) < _SENT.size + _REFLECTED.size:
        raise MalformedProbe("short packet")
    magic, sequence, sent_ns = _SENT.unpack_from(data)
    if magic != MAGIC:
        raise MalformedProbe("bad magic")
    reflector_ns, count = _REFLECTED.unpack_from(data, _SENT.size)
    return Reply(sequence, sent_ns, reflector_ns, count)
