"""The poller's BER codec against pyasn1's (the reference): what we send decodes to the
request meant, what agents send decodes to the values and pysnmp types pysnmp gives,
and malformed bytes are refused."""

from __future__ import annotations

from typing import Any

import pytest
from pyasn1.codec.ber import decoder, encoder
from pyasn1.type import univ
from pysnmp.proto import api, rfc1902, rfc1905

from network.drivers import snmp_ber

V2C = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
VALUES: list[Any] = [
    rfc1902.Integer(-5), rfc1902.Integer(2**31 - 1), rfc1902.OctetString(b"eth0"),
    rfc1902.ObjectIdentifier((1, 3, 6, 1, 4, 1, 9, 1, 2**32 - 1)), rfc1902.IpAddress("10.0.0.1"),
    rfc1902.Counter32(0), rfc1902.Counter32(2**32 - 1), rfc1902.Gauge32(1000),
    rfc1902.TimeTicks(123456), rfc1902.Counter64(2**64 - 1), rfc1902.Counter64(128),
    rfc1905.noSuchObject, rfc1905.noSuchInstance, rfc1905.endOfMibView, rfc1902.Null(""),
]


def response(varbinds: list[tuple[tuple[int, ...], Any]], request_id: int = 42,
             error_status: int = 0, community: str = "public") -> bytes:
    """An SNMPv2c Response encoded by pyasn1."""
    message = V2C.Message()
    V2C.apiMessage.set_defaults(message)
    V2C.apiMessage.set_community(message, community)
    pdu = V2C.ResponsePDU()
    V2C.apiPDU.set_defaults(pdu)
    V2C.apiPDU.set_request_id(pdu, request_id)
    V2C.apiPDU.set_error_status(pdu, error_status)
    V2C.apiPDU.set_varbinds(pdu, [(V2C.ObjectIdentifier(oid), value) for oid, value in varbinds])
    V2C.apiMessage.set_pdu(message, pdu)
    return bytes(encoder.encode(message))


def test_answers_decode_to_pysnmp_values() -> None:
    varbinds = [((1, 3, 6, 1, 2, 1, 2, 2, 1, 8, index), value)
                for index, value in enumerate(VALUES, start=1)]
    data = response(varbinds, request_id=2**31 - 1, error_status=5)
    reference, _ = decoder.decode(data, asn1Spec=V2C.Message())
    expected = V2C.apiPDU.get_varbinds(V2C.apiMessage.get_pdu(reference))

    community, pdu = snmp_ber.decode_v2c(data)

    assert community == b"public"
    assert (pdu.tag, pdu.request_id, pdu.error_status) == (snmp_ber.RESPONSE, 2**31 - 1, 5)
    assert snmp_ber.message_id(data) == 2**31 - 1
    assert len(pdu.varbinds) == len(expected)
    for (oid, value), (ref_oid, ref_value) in zip(pdu.varbinds, expected, strict=True):
        assert oid == tuple(ref_oid)
        assert isinstance(value, type(ref_value)) and isinstance(ref_value, type(value))
        assert value == ref_value


def test_requests_decode_as_meant() -> None:
    oids = [(1, 3, 6, 1, 2, 1, 1, 3), (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 2**31)]
    data = snmp_ber.v2c_message(b"c" * 200, snmp_ber.request_pdu(
        snmp_ber.GET_BULK, 77, oids, 1, 9))
    message, rest = decoder.decode(data, asn1Spec=V2C.Message())
    assert not rest
    pdu = V2C.apiMessage.get_pdu(message)
    assert pdu.isSameTypeWith(V2C.GetBulkRequestPDU())
    assert bytes(V2C.apiMessage.get_community(message)) == b"c" * 200
    assert int(V2C.apiPDU.get_request_id(pdu)) == 77
    assert (int(V2C.apiBulkPDU.get_non_repeaters(pdu)),
            int(V2C.apiBulkPDU.get_max_repetitions(pdu))) == (1, 9)
    assert [tuple(oid) for oid, _ in V2C.apiPDU.get_varbinds(pdu)] == oids


@pytest.mark.parametrize("value", [0, 1, 127, 128, 255, 256, -1, -128, -129, 2**31 - 1, -2**31])
def test_integers_encode_as_pyasn1_does(value: int) -> None:
    assert snmp_ber.integer(value) == encoder.encode(univ.Integer(value))


@pytest.mark.parametrize("oid", [(1, 3), (0, 39), (2, 100, 3), (1, 3, 6, 1, 4, 1, 2**32 + 5, 0)])
def test_oids_encode_and_decode_as_pyasn1_does(oid: tuple[int, ...]) -> None:
    data = snmp_ber.oid(oid)
    assert data == encoder.encode(univ.ObjectIdentifier(oid))
    _tag, start, stop = snmp_ber.read(data, 0, len(data))
    assert snmp_ber.decode_oid(data, start, stop) == oid


def test_v3_message_id_is_read_from_the_header() -> None:
    header = snmp_ber.tlv(snmp_ber.SEQUENCE, snmp_ber.integer(991) + snmp_ber.integer(65507)
                          + snmp_ber.octets(b"\x03") + snmp_ber.integer(3))
    message = snmp_ber.tlv(snmp_ber.SEQUENCE, snmp_ber.integer(3) + header
                           + snmp_ber.octets(b"") + snmp_ber.octets(b"scoped"))
    assert snmp_ber.message_id(message) == 991


GOOD = response([((1, 3, 6, 1, 2, 1, 1, 3, 0), rfc1902.TimeTicks(5))])


@pytest.mark.parametrize(("data", "message"), [
    (GOOD[:-1], "truncated"),
    (GOOD + b"\x00", "after the message"),
    (b"\x30\x80" + GOOD[2:] + b"\x00\x00", "indefinite"),
    (GOOD.replace(b"\x43\x01\x05", b"\x47\x01\x05"), "unknown value type"),
    (GOOD.replace(b"\x43\x01\x05", b"\x43\x01\xff"), "bad value"),  # TimeTicks -1
    (GOOD.replace(b"\x43\x01\x05", b"\x43\x00\x05"), None),  # length no longer adds up
    (response([((1, 3), rfc1902.Integer(1))]).replace(b"\x06\x01\x2b", b"\x06\x01\xab"),
     "OBJECT IDENTIFIER"),
    (b"\x02\x01\x01", "tag 0x02"),
])
def test_malformed_answers_are_refused(data: bytes, message: str | None) -> None:
    with pytest.raises(snmp_ber.BerError, match=message):
        snmp_ber.decode_v2c(data)
