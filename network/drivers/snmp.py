"""SNMP poller: sysUpTime and IF-MIB counters of many devices, on asyncio.

Per device and cycle one GETBULK (sysUpTime as non-repeater, seven IF-MIB columns as
repeaters; more only when a table is longer than `max_repetitions` rows), numeric OIDs.
Messages are built and read by the poller's own BER codec (:mod:`network.drivers.snmp_ber`;
pyasn1's generic decoder, under pysnmp's engine, cost ~8 ms per answer, most of the
poller's CPU) and SNMPv3 USM layout (:mod:`network.drivers.snmp_usm`, with pysnmp's key
localization and ciphers), over one UDP socket per poller. The poller is bound to the
event loop it first runs on; addresses are resolved once; at most `concurrency`
requests in flight and never two polls of one device at once. SNMPv3 keys are localized
per device: its snmpEngineID is given or discovered once, its clock (engine boots and
time) learnt from its answers. A device that fails gives an `Unreachable` result with a
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
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from pyasn1.error import PyAsn1Error
from pysnmp.error import PySnmpError
from pysnmp.proto import rfc1905

from network.drivers import snmp_ber, snmp_usm
from network.drivers.snmp_rates import DeviceRates, InterfaceRates, compute_rates
from network.drivers.snmp_response import (
    COLUMNS,
    SYS_UPTIME,
    MalformedResponse,
    Oid,
    TableWalk,
)
from network.drivers.snmp_transport import Address, UdpRequester
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


class SnmpPoller:
    """Polls devices on one event loop (the one it first runs on); see the module doc."""

    def __init__(self, *, concurrency: int = 64) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self._concurrency = concurrency
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._udp: UdpRequester | None = None
        self._udp_open: asyncio.Future[None] | None = None
        self._engine_ids: dict[Address, bytes] = {}  # discovered
        self._clocks: dict[tuple[Address, bytes], _Clock] = {}
        self._keys: dict[tuple[V3Credentials, bytes], snmp_usm.Keys] = {}
        self._in_flight: set[str] = set()

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
        """Close the socket; the poller may then be used again on any loop. Call it
        before the poller's loop is closed (``async with`` does): after that, the
        socket is left to the garbage collector."""
        if self._udp is not None and self._loop is not None and not self._loop.is_closed():
            self._udp.close()
        self._loop = self._slots = self._udp = self._udp_open = None
        self._engine_ids.clear()
        self._clocks.clear()
        self._keys.clear()

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
        """The poller's UDP socket, opened on first use."""
        if self._udp_open is None:
            self._udp = UdpRequester(snmp_ber.message_id)
            self._udp_open = asyncio.ensure_future(self._udp.open())
        await asyncio.shield(self._udp_open)
        assert self._udp is not None
        return self._udp

    async def _poll(self, target: SnmpTarget) -> PollResult:
        started = time.time()

        def failed(reason: UnreachableReason, detail: str) -> Unreachable:
            return Unreachable(target.device, (started + time.time()) / 2, reason, detail)

        try:
            udp = await self._requester()
            try:
                address = await udp.resolve(target.host, target.port)
            except OSError as exc:
                raise _Failed(UnreachableReason.ERROR, type(exc).__name__) from exc
            if isinstance(target.credentials, V2cCredentials):
                ask = _v2c(udp, address, target, target.credentials)
            else:
                ask = await self._v3(udp, address, target, target.credentials)
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

    async def _v3(
        self, udp: UdpRequester, address: Address, target: SnmpTarget, creds: V3Credentials
    ) -> _Ask:
        """The GETBULK of one SNMPv3 device (authPriv): its engine ID given, known or
        discovered now; a request outside the agent's time window is sent again once
        with the agent's clock (which the agent's Report gives)."""
        engine_id = (bytes.fromhex(creds.engine_id) if creds.engine_id
                     else await self._engine_id(udp, address, target))
        clock = self._clocks.setdefault((address, engine_id), _Clock())
        keys = self._keys.get((creds, engine_id))
        if keys is None:
            keys = self._keys[(creds, engine_id)] = snmp_usm.Keys(creds, engine_id)

        async def ask(with_uptime: bool, oids: list[Oid]) -> list[tuple[Oid, Any]]:
            for attempt in range(2):
                message_id, request_id = udp.new_id(), udp.new_id()
                pdu = snmp_ber.request_pdu(snmp_ber.GET_BULK, request_id, oids,
                                           int(with_uptime), target.max_repetitions)
                message = snmp_usm.request(keys, creds, engine_id, *clock.now(), message_id, pdu)
                data = await _exchange(udp, address, message, message_id, target)
                try:
                    answer = snmp_usm.answer(data, keys, creds.user)
                except snmp_usm.UsmError as exc:
                    raise self._refused(address, str(exc)) from exc
                report = answer.report()
                if report == "NotInTimeWindow" and answer.authenticated and attempt == 0:
                    clock.set(answer.boots, answer.time)
                    continue
                if report is not None:
                    raise self._refused(address, report)
                if not answer.authenticated:
                    raise self._refused(address, "UnsupportedSecurityLevel")
                clock.set(answer.boots, answer.time)
                return _varbinds(answer.pdu, request_id)
            raise self._refused(address, "NotInTimeWindow")

        return ask

    async def _engine_id(self, udp: UdpRequester, address: Address, target: SnmpTarget) -> bytes:
        """The device's snmpEngineID, discovered once (RFC 3414 4). Keys are localized
        per engine ID, so that devices sharing a user name may have different keys."""
        engine_id = self._engine_ids.get(address)
        if engine_id is None:
            message_id = udp.new_id()
            data = await _exchange(udp, address, snmp_usm.discovery(message_id, udp.new_id()),
                                   message_id, target)
            answer = snmp_usm.answer(data, None, "")
            if not answer.engine_id:
                raise MalformedResponse("no snmpEngineID in the discovery answer")
            engine_id = self._engine_ids[address] = answer.engine_id
            if answer.boots or answer.time:
                self._clocks.setdefault((address, engine_id), _Clock()).set(
                    answer.boots, answer.time)
        return engine_id

    def _refused(self, address: Address, error: str) -> _Failed:
        """A failure the agent's security model reported (or we saw in its answer)."""
        if error not in snmp_usm.REPORTS.values() and error not in _USM_ERRORS:
            return _Failed(UnreachableReason.ERROR, error)
        # the device may have been replaced: discover its engine ID again next time
        engine_id = self._engine_ids.pop(address, None)
        if engine_id is not None:
            self._clocks.pop((address, engine_id), None)
        return _Failed(UnreachableReason.AUTH, error)


_Ask = Callable[[bool, list[Oid]], Awaitable[list[tuple[Oid, Any]]]]
_FIRST_OIDS: list[Oid] = [SYS_UPTIME] + [column.oid for column in COLUMNS]
_USM_ERRORS = ("WrongDigest", "DecryptionError", "UnknownUserName", "UnsupportedSecurityLevel")


def _v2c(udp: UdpRequester, address: Address, target: SnmpTarget,
         creds: V2cCredentials) -> _Ask:
    """The GETBULK of one SNMPv2c device."""
    community = creds.community.encode()

    async def ask(with_uptime: bool, oids: list[Oid]) -> list[tuple[Oid, Any]]:
        request_id = udp.new_id()
        message = snmp_ber.v2c_message(community, snmp_ber.request_pdu(
            snmp_ber.GET_BULK, request_id, oids, int(with_uptime), target.max_repetitions))
        answered_community, pdu = snmp_ber.decode_v2c(
            await _exchange(udp, address, message, request_id, target))
        if answered_community != community:
            raise MalformedResponse("answer for another community")
        return _varbinds(pdu, request_id)

    return ask


async def _exchange(
    udp: UdpRequester, address: Address, message: bytes, message_id: int, target: SnmpTarget
) -> bytes:
    """The answer to ``message``, with the target's timeout and retries."""
    try:
        return await udp.request(address, message, message_id, timeout=target.timeout,
                                 retries=target.retries)
    except TimeoutError as exc:
        raise _Failed(UnreachableReason.TIMEOUT, "no answer") from exc


def _varbinds(pdu: snmp_ber.Pdu, request_id: int) -> list[tuple[Oid, Any]]:
    """The varbinds of the Response to request ``request_id``."""
    if pdu.tag != snmp_ber.RESPONSE or pdu.request_id != request_id:
        raise MalformedResponse("answer is not the Response to the request")
    if pdu.error_status:
        raise _Failed(UnreachableReason.ERROR,
                      f"SNMP error-status {rfc1905.errorStatus.clone(pdu.error_status)}")
    return pdu.varbinds


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


@dataclass
class _Clock:
    """An agent's snmpEngineBoots and snmpEngineTime, as last learnt, running on."""

    boots: int = 0
    time: int = 0
    learnt_at: float = 0.0

    def set(self, boots: int, engine_time: int) -> None:
        """What the agent's last authenticated answer said."""
        self.boots, self.time, self.learnt_at = boots, engine_time, time.monotonic()

    def now(self) -> tuple[int, int]:
        """(boots, time) to send now (0, 0 until learnt: the agent then tells)."""
        if not self.learnt_at:
            return 0, 0
        return self.boots, self.time + int(time.monotonic() - self.learnt_at)


class _Failed(Exception):
    """A poll that ended without an answer to read: why, and a detail without secrets."""

    def __init__(self, reason: UnreachableReason, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail
