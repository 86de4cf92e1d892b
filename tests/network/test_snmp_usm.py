"""The poller's SNMPv3 (USM) against pysnmp's command responder, for every auth and priv
protocol (snmpsim, in test_snmp_poller.py, only serves SHA + AES-128): keys, digests and
ciphers must agree with an independent agent."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config, engine
from pysnmp.entity.rfc3413 import cmdrsp, context

from network.drivers import snmp_ber, snmp_usm
from network.drivers.snmp import (
    AuthProtocol,
    DeviceSample,
    PrivProtocol,
    SnmpPoller,
    SnmpTarget,
    Unreachable,
    UnreachableReason,
    V3Credentials,
)
from network.sim.snmp_probe import free_udp_ports

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# every auth protocol and every priv protocol at least once
PAIRS = [*zip(itertools.cycle(AuthProtocol), PrivProtocol, strict=False),
         (AuthProtocol.SHA512, PrivProtocol.AES)]


def credentials(auth: AuthProtocol, priv: PrivProtocol, **change: str) -> V3Credentials:
    user = f"u-{auth}-{priv}"
    return V3Credentials(change.get("user", user), change.get("auth_key", f"auth-{user}"),
                         change.get("priv_key", f"priv-{user}"), auth_protocol=auth,
                         priv_protocol=priv, engine_id=change.get("engine_id"))


async def with_agent(body: Callable[[int, bytes], Awaitable[Any]]) -> Any:
    """Run ``body(port, engine ID)`` while a pysnmp agent knowing every PAIRS user answers
    on that port."""
    (port,) = free_udp_ports(1, "127.0.0.1")
    agent = engine.SnmpEngine()
    config.add_transport(agent, udp.DOMAIN_NAME,
                         udp.UdpTransport().open_server_mode(("127.0.0.1", port)))
    for auth, priv in PAIRS:
        creds = credentials(auth, priv)
        config.add_v3_user(agent, creds.user, snmp_usm._AUTH[auth][0], creds.auth_key,
                           snmp_usm._PRIV[priv], creds.priv_key)
        config.add_vacm_user(agent, 3, creds.user, "authPriv", (1, 3, 6, 1, 2, 1),
                             (1, 3, 6, 1, 2, 1))
    snmp_context = context.SnmpContext(agent)
    cmdrsp.GetCommandResponder(agent, snmp_context)
    cmdrsp.BulkCommandResponder(agent, snmp_context)
    engine_id = bytes(agent.snmpEngineID)
    try:
        return await body(port, engine_id)
    finally:
        agent.close_dispatcher()


def target(port: int, creds: V3Credentials) -> SnmpTarget:
    # the in-process agent takes a few hundred ms per GETBULK: one at a time, no retry
    return SnmpTarget(creds.user, "127.0.0.1", creds, port=port, timeout=5.0, retries=0)


def test_every_protocol_polls_and_wrong_keys_are_refused() -> None:
    async def body(port: int, engine_id: bytes) -> list[Any]:
        results = []
        async with SnmpPoller() as poller:
            for auth, priv in PAIRS:
                results.append(await poller.poll(target(port, credentials(auth, priv))))
            sha512 = (AuthProtocol.SHA512, PrivProtocol.AES)
            for change in ({"auth_key": "wrong-auth-key"}, {"priv_key": "wrong-priv-key"}):
                results.append(await poller.poll(target(port, credentials(*sha512, **change))))
        async with SnmpPoller() as poller:  # engine ID known: the clock comes from a Report
            known = credentials(*PAIRS[0], engine_id=engine_id.hex())
            results.append(await poller.poll(target(port, known)))
        return results

    results = asyncio.run(with_agent(body))

    polled = results[: len(PAIRS)] + results[-1:]
    for result in polled:
        # the agent has sysUpTime but no IF-MIB tables: their columns end at once
        assert isinstance(result, DeviceSample), result
        assert result.sys_uptime >= 0 and result.interfaces == ()
    wrong_auth, wrong_priv = results[len(PAIRS):-1]
    assert isinstance(wrong_auth, Unreachable) and wrong_auth.reason is UnreachableReason.AUTH
    assert wrong_auth.detail == "WrongDigest"
    assert isinstance(wrong_priv, Unreachable) and wrong_priv.reason is UnreachableReason.AUTH
    assert wrong_priv.detail == "DecryptionError"


def test_answers_are_checked_and_deciphered() -> None:
    engine_id = bytes.fromhex("80001f8804736f636c65")
    creds = credentials(AuthProtocol.SHA256, PrivProtocol.DES)
    keys = snmp_usm.Keys(creds, engine_id)
    pdu = snmp_ber.tlv(snmp_ber.RESPONSE, snmp_ber.integer(9) + snmp_ber.integer(0)
                       + snmp_ber.integer(0) + snmp_ber.tlv(snmp_ber.SEQUENCE, b""))
    message = snmp_usm.request(keys, creds, engine_id, 4, 1234, 77, pdu)
    assert "auth-" not in repr(keys)

    answer = snmp_usm.answer(message, keys, creds.user)
    assert (answer.engine_id, answer.boots, answer.time) == (engine_id, 4, 1234)
    assert answer.authenticated and answer.report() is None
    assert (answer.pdu.tag, answer.pdu.request_id, answer.pdu.varbinds) == (
        snmp_ber.RESPONSE, 9, [])
    tampered = message[:-1] + bytes((message[-1] ^ 1,))
    with pytest.raises(snmp_usm.UsmError, match="WrongDigest"):
        snmp_usm.answer(tampered, keys, creds.user)
    other = snmp_usm.Keys(credentials(AuthProtocol.SHA256, PrivProtocol.DES,
                                      auth_key="another-key"), engine_id)
    with pytest.raises(snmp_usm.UsmError, match="WrongDigest"):
        snmp_usm.answer(message, other, creds.user)
