"""What Socle does to a router over SSH: read its configuration, push lines and verify
them, probe it, restore an earlier configuration. Built on a :class:`ConfigDriver`.

Secrets are resolved here, at the last moment: the router password from the device's
``credential_ref``, the configuration secrets (SNMPv3 keys) when lines are pushed. What
comes back from the router is masked before anyone sees it. Every failure is a
:class:`RouterError` whose message names the router and, for a push, the line (as
planned: with placeholders, never a secret).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial

from controlplane.settings import Settings
from network import secrets
from network.config import configdiff
from network.config.configdiff import ConfigDiff, Scope
from network.drivers.ssh_types import (
    ConfigDriver,
    ConfigSession,
    DriverError,
    Endpoint,
    LineRefused,
    Login,
    SessionLost,
)


class RouterError(RuntimeError):
    """A router could not be read, refused a line, lost the session or did not verify.

    The message does not repeat the router's name (``device``); :meth:`describe` does.
    """

    def __init__(self, device: str, message: str) -> None:
        super().__init__(message)
        self.device = device

    def describe(self) -> str:
        """The message prefixed with the router's name."""
        return f"{self.device}: {self}"


@dataclass(frozen=True)
class Target:
    """A router to work on: where it answers, and the reference to its password."""

    endpoint: Endpoint
    credential_ref: str

    @property
    def name(self) -> str:
        """The router's hostname."""
        return self.endpoint.name

    @property
    def platform(self) -> str:
        """The router's platform (netmiko device type)."""
        return self.endpoint.platform


@dataclass(frozen=True)
class Probe:
    """An operational command whose answer must match ``expect`` (e.g. a BGP session up)."""

    command: str
    expect: str
    what: str


Verifier = Callable[[str], ConfigDiff]
PROBE_INTERVAL = 2.0  # seconds between two looks at a session that is not up yet


class RouterOps:
    """Reads, pushes and restores router configurations with one settings' secrets."""

    def __init__(self, driver: ConfigDriver, settings: Settings) -> None:
        self.driver = driver
        self.timeout = settings.network_ssh_timeout
        self.session_wait = settings.network_session_wait
        self._data_dir = settings.data_dir
        self._references = {
            secrets.SNMP_AUTH: settings.network_snmp_auth_ref,
            secrets.SNMP_PRIV: settings.network_snmp_priv_ref,
        }

    def secrets(self, *, strict: bool, device: str = "") -> secrets.Secrets:
        """The configuration secrets (``strict``: all of them, or :class:`RouterError`)."""
        try:
            return secrets.config_secrets(self._references, self._data_dir, strict=strict)
        except secrets.SecretError as exc:
            raise RouterError(device, str(exc)) from None

    def read(self, target: Target) -> str:
        """The router's running configuration, masked."""
        with self._session(target) as session:
            return self._read(target, session, self.secrets(strict=False))

    def push(
        self,
        target: Target,
        lines: Sequence[str],
        *,
        verify: Verifier,
        probes: Sequence[Probe] = (),
    ) -> str:
        """Push ``lines`` (placeholders revealed on the way), read back, verify, probe.

        Returns the masked configuration read back. ``verify`` compares it with what
        was meant; a remaining difference raises, naming the first differing line.
        """
        unknown = [line for line in lines if secrets.UNKNOWN in line]
        if unknown:
            raise RouterError(
                target.name,
                f"cannot push a secret Socle does not know (line {unknown[0].strip()!r})",
            )
        values = self.secrets(strict=True, device=target.name)
        with self._session(target) as session:
            try:
                session.push([values.reveal(line) for line in lines])
            except LineRefused as exc:
                raise RouterError(target.name, f"line {_line(lines, exc.index)!r} {exc}") from None
            except SessionLost as exc:
                where = f" at line {_line(lines, exc.index)!r}" if exc.index is not None else ""
                raise RouterError(target.name, f"{exc}{where}") from None
            readback = self._read(target, session, values)
            left = verify(readback)
            if not left.in_sync:
                raise RouterError(
                    target.name, f"not verified after the push: {left.first_difference()}"
                )
            for probe in probes:
                self._wait_up(target, session, probe)
        return readback

    def _wait_up(self, target: Target, session: ConfigSession, probe: Probe) -> None:
        """Ask ``probe`` every :data:`PROBE_INTERVAL` seconds until its answer matches, for
        at most ``session_wait`` seconds (a BGP session takes a while to establish); then
        :class:`RouterError` naming what stayed down and the last answer."""
        deadline = time.monotonic() + self.session_wait
        while True:
            answer = self._call(target, partial(session.show, probe.command))
            if re.search(probe.expect, answer):
                return
            if time.monotonic() >= deadline:
                raise RouterError(
                    target.name,
                    f"{probe.what} is not up after {self.session_wait:g} s "
                    f"({probe.command!r} answered {answer.strip()[:120]!r})",
                )
            time.sleep(min(PROBE_INTERVAL, max(0.0, deadline - time.monotonic())))

    def restore(self, target: Target, baseline: str) -> tuple[str, int]:
        """Bring the router back to ``baseline`` (a masked configuration read before).

        Drops an uncommitted candidate first (Junos), then pushes the inverse lines.
        Returns (the configuration read back, number of lines pushed).
        """
        everything = Scope(everything=True)
        with self._session(target) as session:
            session.discard()
            current = self._read(target, session, self.secrets(strict=False))
        undo = configdiff.compare(target.platform, current, baseline, everything, name=target.name)
        if undo.in_sync:
            return current, 0
        readback = self.push(
            target,
            undo.lines,
            verify=lambda text: configdiff.compare(
                target.platform, text, baseline, everything, name=target.name
            ),
        )
        return readback, len(undo.lines)

    @contextmanager
    def _session(self, target: Target) -> Iterator[ConfigSession]:
        try:
            password = secrets.resolve(target.credential_ref, self._data_dir)
        except secrets.SecretError as exc:
            raise RouterError(target.name, str(exc)) from None
        with ExitStack() as stack:
            try:
                session = stack.enter_context(
                    self.driver.open(Login(target.endpoint, password), timeout=self.timeout)
                )
            except DriverError as exc:
                raise RouterError(target.name, str(exc)) from None
            yield session

    def _read(self, target: Target, session: ConfigSession, values: secrets.Secrets) -> str:
        text = self._call(target, session.running_config)
        return configdiff.mask(target.platform, text, values)

    @staticmethod
    def _call(target: Target, action: Callable[[], str]) -> str:
        try:
            return action()
        except DriverError as exc:
            raise RouterError(target.name, str(exc)) from None


def _line(lines: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(lines):
        return "commit" if index is not None else "?"
    return lines[index].strip()
