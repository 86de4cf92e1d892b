"""SNMP poller on pysnmp's asyncio API: sysUpTime and IF-MIB counters of many devices.

Per device and cycle one GETBULK (sysUpTime as non-repeater, seven IF-MIB columns as
repeaters; more only when a table is longer than `max_repetitions` rows), without MIB
lookups. One pysnmp engine per poller, the poller bound to the event loop it first runs
on; transport targets are kept; at most `concurrency` requests in flight and never two
polls of one device at once. SNMPv3 keys are localized per device: its snmpEngineID is
given or discovered once. A device that fails gives an `Unreachable` result with a
reason; `poll_many` never raises for one device. Keys and communities are never logged
nor put in results.

    async with SnmpPoller(concurrency=64) as poller:
        results = await poller.poll_many(targets)
    rates = compute_rates(previous_sample, current_sample)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from pyasn1.error import PyAsn1Error
from pysnmp.error import PySnmpError
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
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
from pysnmp.proto import errind
from pysnmp.proto.rfc1902 import OctetString

from network.drivers.snmp_rates import DeviceRates, InterfaceRates, compute_rates
from network.drivers.snmp_response import (
    COLUMNS,
    SYS_UPTIME,
    SYS_UPTIME_0,
    MalformedResponse,
    Oid,
    TableWalk,
)
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
        self._engine: SnmpEngine | None = None
        self._slots: asyncio.Semaphore | None = None
        self._transports: dict[tuple[str, int, float, int], UdpTransportTarget] = {}
        self._engine_ids: dict[tuple[str, int], bytes] = {}
        self._in_flight: set[str] = set()
        # the first GETBULK is the same for every device: build (and MIB-resolve) it once
        self._first_request = [ObjectType(ObjectIdentity(SYS_UPTIME))] + [
            ObjectType(ObjectIdentity(column.oid)) for column in COLUMNS
        ]

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
        """Close the engine's sockets; the poller may then be used again on any loop.
        Call it before the poller's loop is closed (``async with`` does): after that,
        the sockets are left to the garbage collector."""
        if self._engine is not None and self._loop is not None and not self._loop.is_closed():
            self._engine.close_dispatcher()
        self._engine = self._loop = self._slots = None
        self._transports.clear()
        self._engine_ids.clear()

    async def poll_many(self, targets: Iterable[SnmpTarget]) -> list[PollResult]:
        """Poll every target concurrently; one result per target, in order."""
        return list(await asyncio.gather(*(self.poll(target) for target in targets)))

    async def poll(self, target: SnmpTarget) -> PollResult:
        """Poll one device: a DeviceSample, an Unreachable with its reason, or Skipped
        when a poll of the same device is still running. Never raises for the device."""
        engine, slots = self._bind()
        if target.device in self._in_flight:
            return Skipped(target.device, time.time())
        self._in_flight.add(target.device)
        try:
            async with slots:
                return await self._poll(engine, target)
        finally:
            self._in_flight.discard(target.device)

    def _bind(self) -> tuple[SnmpEngine, asyncio.Semaphore]:
        """The engine of the running loop: made on first use, or again once the loop it
        was made on is closed; another live loop may not share it."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop or self._engine is None or self._slots is None:
            if self._loop is not None and not self._loop.is_closed():
                raise RuntimeError("this SnmpPoller runs on another event loop: use one per loop")
            self.close()
            self._loop, self._engine = loop, SnmpEngine()
            self._engine.observer.register_observer(
                self._observe_engine_id, "rfc3412.prepareDataElements:internal"
            )
            # load the MIBs now rather than during (and skewing the time of) the first poll
            CommandGeneratorVarBinds().make_varbinds(self._engine.cache, self._first_request)
            self._slots = asyncio.Semaphore(self._concurrency)
        return self._engine, self._slots

    def _observe_engine_id(
        self, engine: SnmpEngine, point: str, variables: dict[str, Any], context: Any
    ) -> None:
        """Remember the snmpEngineID an agent reports (SNMPv3 discovery), by address."""
        engine_id = variables.get("securityEngineId")
        if engine_id:
            self._engine_ids[tuple(variables["transportAddress"])[:2]] = engine_id.asOctets()

    async def _poll(self, engine: SnmpEngine, target: SnmpTarget) -> PollResult:
        started = time.time()

        def failed(reason: UnreachableReason, detail: str) -> Unreachable:
            return Unreachable(target.device, (started + time.time()) / 2, reason, detail)

        try:
            transport = await self._transport(target)
            auth, context = await self._credentials(engine, transport, target)
            started = time.time()  # the sample's time: leave address and engine ID lookups out
            walk = TableWalk()
            request, columns, with_uptime = self._first_request, COLUMNS, True
            for _ in range(MAX_ROUNDS):
                indication, status, _index, varbinds = await bulk_cmd(
                    engine, auth, transport, context, int(with_uptime), target.max_repetitions,
                    *request, lookupMib=False,
                )
                if indication:
                    return self._failure(failed, indication, transport)
                if status:
                    return failed(UnreachableReason.ERROR, f"SNMP error-status {status}")
                walk.feed([(tuple(oid), value) for oid, value in varbinds], columns,
                          with_uptime=with_uptime)
                columns = walk.pending()
                if not columns:
                    break
                request, with_uptime = _continuation(walk.next_oids()), False
            else:
                raise MalformedResponse(f"tables not ended after {MAX_ROUNDS} GETBULKs")
        except MalformedResponse as exc:
            return failed(UnreachableReason.MALFORMED, str(exc))
        except _DiscoveryFailed as exc:
            return self._failure(failed, exc.indication, transport)
        except (OSError, PySnmpError, PyAsn1Error) as exc:
            return failed(UnreachableReason.ERROR, type(exc).__name__)
        except Exception as exc:  # a bug in a library must not end the cycle of others
            log.warning("SNMP poll of %s failed: %s", target, type(exc).__name__)
            return failed(UnreachableReason.ERROR, type(exc).__name__)
        assert walk.sys_uptime is not None
        return DeviceSample(target.device, (started + time.time()) / 2, walk.sys_uptime,
                            walk.interfaces())

    def _failure(
        self,
        failed: Callable[[UnreachableReason, str], Unreachable],
        indication: Any,
        transport: UdpTransportTarget,
    ) -> Unreachable:
        """The Unreachable result for a pysnmp error indication."""
        if isinstance(indication, errind.RequestTimedOut):
            return failed(UnreachableReason.TIMEOUT, "no answer")
        if isinstance(indication, _AUTH_FAILURES):
            # the device may have been replaced: discover its engine ID again next time
            self._engine_ids.pop(tuple(transport.transport_address)[:2], None)
            return failed(UnreachableReason.AUTH, type(indication).__name__)
        if isinstance(indication, _MALFORMED):
            return failed(UnreachableReason.MALFORMED, type(indication).__name__)
        return failed(UnreachableReason.ERROR, type(indication).__name__)

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
        self, engine: SnmpEngine, transport: UdpTransportTarget, target: SnmpTarget
    ) -> tuple[CommunityData | UsmUserData, ContextData]:
        creds = target.credentials
        if isinstance(creds, V2cCredentials):
            return CommunityData(creds.community), ContextData()
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
                raise _DiscoveryFailed(indication)
        return self._engine_ids[address]


class _DiscoveryFailed(Exception):
    """No snmpEngineID came back from the discovery request."""

    def __init__(self, indication: Any) -> None:
        super().__init__(type(indication).__name__)
        self.indication = indication


def _continuation(oids: list[Oid]) -> list[ObjectType]:
    return [ObjectType(ObjectIdentity(oid)) for oid in oids]

