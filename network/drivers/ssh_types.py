"""What the SSH configuration driver takes (an endpoint, a password) and what it raises.

The plane's reconcilers talk to routers through :class:`ConfigDriver` only, so a test
or another transport (NETCONF, a vendor API) can stand in for the netmiko adapter of
:mod:`network.drivers.ssh`. Error messages never carry the password nor pushed text
beyond the line that failed (as the caller gave it: with placeholders, not secrets).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Endpoint:
    """Where a router answers SSH, and as whom to log in (the password comes apart)."""

    name: str
    platform: str
    host: str
    port: int
    username: str


@dataclass(frozen=True)
class Login:
    """An endpoint and its password; ``repr`` never shows the password."""

    endpoint: Endpoint
    password: str = field(repr=False)


class DriverError(RuntimeError):
    """A device could not be reached or did not do what it was told."""


class Unreachable(DriverError):
    """No SSH session could be opened (connection refused, timeout, authentication)."""


class LineRefused(DriverError):
    """The device answered a pushed line with a parser error."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index = index


class SessionLost(DriverError):
    """The session broke (dropped, timed out) while a line was pushed or read."""

    def __init__(self, index: int | None, reason: str) -> None:
        super().__init__(reason)
        self.index = index


class ConfigSession(Protocol):
    """An open CLI session on one router."""

    def running_config(self) -> str:
        """The running (Junos: committed) configuration as the device shows it."""
        ...

    def show(self, command: str) -> str:
        """The output of an operational command."""
        ...

    def push(self, lines: Sequence[str]) -> None:
        """Enter configuration mode, send ``lines`` one by one, commit (Junos), leave.

        Raises :class:`LineRefused` or :class:`SessionLost` carrying the index of the
        failing line; on Junos nothing is committed then (the candidate is discarded).
        """
        ...

    def discard(self) -> None:
        """Drop uncommitted changes a broken session may have left (Junos candidate)."""
        ...


class ConfigDriver(Protocol):
    """Opens configuration sessions on routers."""

    def open(self, login: Login, *, timeout: float) -> AbstractContextManager[ConfigSession]:
        """A session on the router, closed when the block ends; :class:`Unreachable` if not."""
        ...
