"""SNMP poller: sysUpTime and IF-MIB counters of many devices, on asyncio.

Per device and cycle one GETBULK (sysUpTime as non-repeater, seven IF-MIB columns as
repeaters; more only when a table is longer than `max_repetitions` rows), numeric OIDs,
no MIB lookups. SNMPv2c goes over one UDP socket per poller with the poller's own BER
codec (:mod:`network.drivers.snmp_ber`: pyasn1's generic decoder cost ~8 ms per answer,
most of the poller's CPU); SNMPv3 (USM) goes through one pysnmp engine per poller, made
on the first SNMPv3 poll. The poller is bound to the event loop it first runs on;
transport targets and addresses are kept; at most `concurrency` requests in flight and
never two polls of one device at once. SNMPv3 keys are localized per device: its
snmpEngineID is given or discovered once. A device that fails gives an `Unreachable`
result with a reason; `poll_many` never raises for one device. Keys and communities
are never logged nor put in results.

    async with SnmpPoller(concurrency=64) as poller:
        results = await poller.poll_many(targets)
    rates = compute_rates(previous_sample, current_sample)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any

from pyasn1.error import PyAsn1Error
from pysnmp.error import PySnmpError
from pysnmp.hlapi.v3arch.asyncio import (
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
)
from pysnmp.hlapi.v3arch.asyncio import auth as usm
from pysnmp.hlapi.varbinds import CommandGeneratorVarBinds
from pysnmp.proto import errind, rfc1905
from pysnmp.proto.rfc1902 import OctetString

from network.drivers import snmp_ber
from network.drivers.snmp_rates import DeviceRates, InterfaceRates, compute_rates
from network.drivers.snmp_response import (
    COLUMNS,
    SYS_UPTIME,
    SYS_UPTIME_0,
    MalformedResponse,
    Oid,
    TableWalk,
)
from network.drivers.snmp_transport import UdpRequester
from network.drivers.snmp_types import (
    AuthProtocol,
    DeviceSample,
    InterfaceSample,
    PollResult,
    PrivProtocol,
    Skipped,
    SnmpTarget,
    Unreachable,
    UnreachableReason,
    V2cCredentials,
    V3Credentials,
)

__all__ = [
    "AuthProtocol",
    "DeviceRates",
    "DeviceSample",
    "InterfaceRates",
    "InterfaceSample",
    "PollResult",
    "PrivProtocol",
    "Skipped",
    "SnmpPoller",
    "SnmpTarget",
    "Unreachable",
    "UnreachableReason",
    "V2cCredentials",
    "V3Credentials",
    "compute_rates",
]

log = logging.getLogger(__name__)

MAX_ROUNDS = 64  # GETBULKs per device and poll, at most (a table of ~64 x max_repetitions)
_DISCOVERY_USER = "socle-engine-discovery"  # unknown to agents: only its report is wanted
_AUTH_PROTOCOLS = {
    AuthProtocol.MD5: usm.USM_AUTH_HMAC96_MD5,
    AuthProtocol.SHA: usm.USM_AUTH_HMAC96_SHA,
    AuthProtocol.SHA224: usm.USM_AUTH_HMAC128_SHA224,
    AuthProtocol.SHA256: usm.USM_AUTH_HMAC192_SHA256,
    AuthProtocol.SHA384: usm.USM_AUTH_HMAC256_SHA384,
    AuthProtocol.SHA512: usm.USM_AUTH_HMAC384_SHA512,
}
_PRIV_PROTOCOLS = {
    PrivProtocol.DES: usm.USM_PRIV_CBC56_DES,
    PrivProtocol.TRIPLE_DES: usm.USM_PRIV_CBC168_3DES,
    PrivProtocol.AES: usm.USM_PRIV_CFB128_AES,
    PrivProtocol.AES192: usm.USM_PRIV_CFB192_AES,
    PrivProtocol.AES256: usm.USM_PRIV_CFB256_AES,
    PrivProtocol.AES192_BLUMENTHAL: usm.USM_PRIV_CFB192_AES_BLUMENTHAL,
    PrivProtocol.AES256_BLUMENTHAL: usm.USM_PRIV_CFB256_AES_BLUMENTHAL,
}
_AUTH_FAILURES = (
    errind.UnknownUserName,
    errind.WrongDigest,
    errind.DecryptionError,
    errind.AuthenticationError,
    errind.AuthenticationFailure,
    errind.UnknownSecurityName,
    errind.UnsupportedSecurityLevel,
    errind.NotInTimeWindow,
    errind.UnknownEngineID,
    errind.EngineIDMismatch,
    errind.UnknownCommunityName,
)
_MALFORMED = (
    errind.DeserializationError,
    errind.EmptyResponse,
    errind.DataMismatch,
    errind.InvalidMsg,
    errind.OidNotIncreasing,
)


class SnmpPoller:
    """Polls devices on one event loop (the one it first runs on); see the module doc."""

    def __init__(self, *, concurrency: int = 64) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self._concurrency = concurrency
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._udp: UdpRequester | None = None
        self._udp_open: asyncio.Task[None] | None = None
        self._engine: SnmpEngine | None = None  # SNMPv3 only
        self._transports: dict[tuple[str, int, float, int], UdpTransportTarget] = {}
        self._engine_ids: dict[tuple[str, int], bytes] = {}
        self._in_flight: set[str] = set()
        # the first SNMPv3 GETBULK is the same for every device: build it once
        self._first_request = [ObjectType(ObjectIdentity(oid)) for oid in _FIRST_OIDS]

    async def __aenter__(self) -> SnmpPoller:
        self._bind()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the sockets; the poller may then be used again on any loop. Call it
        before the poller's loop is closed (``async with`` does): after that, the
        sockets are left to the garbage collector."""
        if self._loop is not None and not self._loop.is_closed():
            if self._udp is not None:
                self._udp.close()
            if self._engine is not None:
                self._engine.close_dispatcher()
        self._engine = self._loop = self._slots = self._udp = self._udp_open = None
        self._transports.clear()
        self._engine_ids.clear()

    async def poll_many(self, targets: Iterable[SnmpTarget]) -> list[PollResult]:
        """Poll every target concurrently; one result per target, in order."""
        return list(await asyncio.gather(*(self.poll(target) for target in targets)))

    async def poll(self, target: SnmpTarget) -> PollResult:
        """Poll one device: a DeviceSample, an Unreachable with its reason, or Skipped
        when a poll of the same device is still running. Never raises for the device."""
        slots = self._bind()
        if target.device in self._in_flight:
            return Skipped(target.device, time.time())
        self._in_flight.add(target.device)
        try:
            async with slots:
                return await self._poll(target)
        finally:
            self._in_flight.discard(target.device)

    def _bind(self) -> asyncio.Semaphore:
        """Bind the poller to the running loop: on first use, or again once the loop it
        was bound to is closed; another live loop may not share it."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop or self._slots is None:
            if self._loop is not None and not self._loop.is_closed():
                raise RuntimeError("this SnmpPoller runs on another event loop: use one per loop")
            self.close()
            self._loop, self._slots = loop, asyncio.Semaphore(self._concurrency)
        return self._slots

    async def _requester(self) -> UdpRequester:
        """The poller's UDP socket (SNMPv2c), opened on first use."""
        if self._udp_open is None:
            self._udp = UdpRequester(snmp_ber.message_id)
            self._udp_open = asyncio.ensure_future(self._udp.open())
        await asyncio.shield(self._udp_open)
        assert self._udp is not None
        return self._udp

    def _snmp_engine(self) -> SnmpEngine:
        """The pysnmp engine (SNMPv3), made on first use: its MIB loading (seconds) is
        left out of the time of the poll that needs it."""
        if self._engine is None:
            self._engine = SnmpEngine()
            self._engine.observer.register_observer(
                self._observe_engine_id, "rfc3412.prepareDataElements:internal"
            )
            CommandGeneratorVarBinds().make_varbinds(self._engine.cache, self._first_request)
        return self._engine

    def _observe_engine_id(
        self, engine: SnmpEngine, point: str, variables: dict[str, Any], context: Any
    ) -> None:
        """Remember the snmpEngineID an agent reports (SNMPv3 discovery), by address."""
        engine_id = variables.get("securityEngineId")
        if engine_id:
            self._engine_ids[tuple(variables["transportAddress"])[:2]] = engine_id.asOctets()

    async def _poll(self, target: SnmpTarget) -> PollResult:
        started = time.time()

        def failed(reason: UnreachableReason, detail: str) -> Unreachable:
            return Unreachable(target.device, (started + time.time()) / 2, reason, detail)

        try:
            if isinstance(target.credentials, V2cCredentials):
                ask = await self._v2c(target, target.credentials)
            else:
                ask = await self._v3(target, target.credentials)
            started = time.time()  # the sample's time: leave address and engine ID lookups out
            walk = await _walk(ask)
        except _Failed as exc:
            return failed(exc.reason, exc.detail)
        except (MalformedResponse, snmp_ber.BerError) as exc:
            return failed(UnreachableReason.MALFORMED, str(exc))
        except (OSError, PySnmpError, PyAsn1Error) as exc:
            return failed(UnreachableReason.ERROR, type(exc).__name__)
        except Exception as exc:  # a bug in a library must not end the cycle of others
            log.warning("SNMP poll of %s failed: %s", target, type(exc).__name__)
            return failed(UnreachableReason.ERROR, type(exc).__name__)
        assert walk.sys_uptime is not None
        return DeviceSample(target.device, (started + time.time()) / 2, walk.sys_uptime,
                            walk.interfaces())

    async def _v2c(self, target: SnmpTarget, creds: V2cCredentials) -> _Ask:
        """The GETBULK of one SNMPv2c device, over the poller's socket."""
        udp = await self._requester()
        try:
            address = await udp.resolve(target.host, target.port)
        except OSError as exc:
            raise _Failed(UnreachableReason.ERROR, type(exc).__name__) from exc
        community = creds.community.encode()

        async def ask(with_uptime: bool, oids: list[Oid]) -> list[tuple[Oid, Any]]:
            request_id = udp.new_id()
            message = snmp_ber.v2c_message(community, snmp_ber.request_pdu(
                snmp_ber.GET_BULK, request_id, oids, int(with_uptime), target.max_repetitions))
            try:
                answer = await udp.request(address, message, request_id,
                                           timeout=target.timeout, retries=target.retries)
            except TimeoutError as exc:
                raise _Failed(UnreachableReason.TIMEOUT, "no answer") from exc
            answered_community, pdu = snmp_ber.decode_v2c(answer)
            if answered_community != community or pdu.tag != snmp_ber.RESPONSE:
                raise MalformedResponse("answer is not a Response for this community")
            if pdu.error_status:
                raise _Failed(UnreachableReason.ERROR,
                              f"SNMP error-status {rfc1905.errorStatus.clone(pdu.error_status)}")
            return pdu.varbinds

        return ask

    async def _v3(self, target: SnmpTarget, creds: V3Credentials) -> _Ask:
        """The GETBULK of one SNMPv3 device, through the pysnmp engine."""
        engine = self._snmp_engine()
        transport = await self._transport(target)
        auth, context = await self._credentials(engine, transport, creds)

        async def ask(with_uptime: bool, oids: list[Oid]) -> list[tuple[Oid, Any]]:
            request = (self._first_request if with_uptime
                       else [ObjectType(ObjectIdentity(oid)) for oid in oids])
            indication, status, _index, varbinds = await bulk_cmd(
                engine, auth, transport, context, int(with_uptime), target.max_repetitions,
                *request, lookupMib=False,
            )
            if indication:
                raise self._failure(indication, transport)
            if status:
                raise _Failed(UnreachableReason.ERROR, f"SNMP error-status {status}")
            return [(tuple(oid), value) for oid, value in varbinds]

        return ask

    def _failure(self, indication: Any, transport: UdpTransportTarget) -> _Failed:
        """The failure a pysnmp error indication stands for."""
        if isinstance(indication, errind.RequestTimedOut):
            return _Failed(UnreachableReason.TIMEOUT, "no answer")
        if isinstance(indication, _AUTH_FAILURES):
            # the device may have been replaced: discover its engine ID again next time
            self._engine_ids.pop(tuple(transport.transport_address)[:2], None)
            return _Failed(UnreachableReason.AUTH, type(indication).__name__)
        if isinstance(indication, _MALFORMED):
            return _Failed(UnreachableReason.MALFORMED, type(indication).__name__)
        return _Failed(UnreachableReason.ERROR, type(indication).__name__)

    async def _transport(self, target: SnmpTarget) -> UdpTransportTarget:
        key = (target.host, target.port, target.timeout, target.retries)
        transport = self._transports.get(key)
        if transport is None:
            transport = await UdpTransportTarget.create(
                (target.host, target.port), timeout=target.timeout, retries=target.retries
            )
            self._transports[key] = transport
        return transport

    async def _credentials(
        self, engine: SnmpEngine, transport: UdpTransportTarget, creds: V3Credentials
    ) -> tuple[UsmUserData, ContextData]:
        engine_id = await self._engine_id(engine, transport, creds)
        auth = UsmUserData(
            creds.user,
            authKey=creds.auth_key,
            privKey=creds.priv_key,
            authProtocol=_AUTH_PROTOCOLS[creds.auth_protocol],
            privProtocol=_PRIV_PROTOCOLS[creds.priv_protocol],
            securityEngineId=OctetString(engine_id),
        )
        return auth, ContextData(contextName=creds.context_name.encode())

    async def _engine_id(
        self, engine: SnmpEngine, transport: UdpTransportTarget, creds: V3Credentials
    ) -> bytes:
        """The device's snmpEngineID: given, known, or discovered now. Keys are localized
        per engine ID, so that devices sharing a user name may have different keys."""
        if creds.engine_id:
            return bytes.fromhex(creds.engine_id)
        address = tuple(transport.transport_address)[:2]
        if address not in self._engine_ids:
            discovery = UsmUserData(_DISCOVERY_USER)  # noqa: S509 (asks for no data)
            indication, *_ = await get_cmd(
                engine, discovery, transport, ContextData(),
                ObjectType(ObjectIdentity(SYS_UPTIME_0)), lookupMib=False,
            )
            if address not in self._engine_ids:
                raise self._failure(indication, transport)
        return self._engine_ids[address]


_Ask = Callable[[bool, list[Oid]], Awaitable[list[tuple[Oid, Any]]]]
_FIRST_OIDS: list[Oid] = [SYS_UPTIME] + [column.oid for column in COLUMNS]


async def _walk(ask: _Ask) -> TableWalk:
    """sysUpTime and the IF-MIB tables, read by as many GETBULKs as the tables need."""
    walk = TableWalk()
    oids, columns, with_uptime = _FIRST_OIDS, COLUMNS, True
    for _ in range(MAX_ROUNDS):
        walk.feed(await ask(with_uptime, oids), columns, with_uptime=with_uptime)
        columns = walk.pending()
        if not columns:
            return walk
        oids, with_uptime = walk.next_oids(), False
    raise MalformedResponse(f"tables not ended after {MAX_ROUNDS} GETBULKs")


class _Failed(Exception):
    """A poll that ended without an answer to read: why, and a detail without secrets."""

    def __init__(self, reason: UnreachableReason, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail
