"""The SSH configuration driver: a thin netmiko adapter (the only module importing netmiko).

Traps it handles (checked against real CLIs and the FakeNOS simulator):

- every read has a timeout (``read_timeout``), so a session the device dropped fails
  in seconds instead of netmiko's two minutes; a timed-out session that is no longer
  alive is reported as lost;
- lines are sent one at a time with the platform's error pattern (``% Invalid input``
  on IOS, ``syntax error`` on Junos), so a refusal names the exact line;
- a Junos candidate configuration survives a dropped session: ``rollback 0`` is sent
  before pushing, and after a refusal, so nothing half-typed is ever committed;
- a pushed ``hostname`` changes the prompt: the base prompt is read again afterwards;
- netmiko's own debug log echoes what it sends (secrets included): it is capped at INFO.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from network.drivers.ssh_types import (
    ConfigSession,
    DriverError,
    LineRefused,
    Login,
    SessionLost,
    Unreachable,
)

if TYPE_CHECKING:
    from netmiko import BaseConnection

logging.getLogger("netmiko").setLevel(logging.INFO)


@dataclass(frozen=True)
class PlatformCli:
    """How one platform shows its configuration and reports a refused line."""

    show_config: str
    error_pattern: str
    commits: bool


PLATFORMS: dict[str, PlatformCli] = {
    "cisco_ios": PlatformCli("show running-config", r"% Invalid input|% Incomplete command", False),
    "juniper_junos": PlatformCli("show configuration | display set", r"syntax error", True),
    # EOS answers "% Invalid input (at token 1: 'x')", "% Incomplete command" or
    # "% Ambiguous command"; plain `configure` mode applies each line at once.
    "arista_eos": PlatformCli(
        "show running-config", r"% Invalid input|% Incomplete command|% Ambiguous command", False
    ),
}


@cache
def _transport_errors() -> tuple[type[BaseException], ...]:
    """What a lost or unreachable session raises (netmiko is imported on first use only)."""
    from netmiko.exceptions import NetmikoBaseException
    from paramiko.ssh_exception import SSHException

    return (NetmikoBaseException, SSHException, OSError, EOFError)


class NetmikoSession:
    """A :class:`ConfigSession` over one netmiko connection."""

    def __init__(self, conn: BaseConnection, cli: PlatformCli, timeout: float) -> None:
        self._conn = conn
        self._cli = cli
        self._timeout = timeout

    def running_config(self) -> str:
        """The running (Junos: committed) configuration."""
        return self.show(self._cli.show_config)

    def show(self, command: str) -> str:
        """The output of an operational command."""
        try:
            return self._conn.send_command(command, read_timeout=self._timeout)
        except _transport_errors() as exc:
            raise self._lost(None, f"{command!r} got no answer ({type(exc).__name__})") from None

    def push(self, lines: Sequence[str]) -> None:
        """Configure ``lines`` one by one (and commit on Junos); name the failing line."""
        from netmiko.exceptions import ConfigInvalidException

        try:
            self._conn.config_mode()
            if self._cli.commits:
                self._send("rollback 0")
        except _transport_errors() as exc:
            raise self._lost(None, f"could not enter configuration mode ({exc})") from None
        for index, line in enumerate(lines):
            try:
                self._send(line, error_pattern=self._cli.error_pattern)
            except ConfigInvalidException:
                self.discard()
                raise LineRefused(index, "refused by the device") from None
            except _transport_errors() as exc:
                raise self._lost(index, f"no answer ({type(exc).__name__})") from None
        try:
            if self._cli.commits:
                self._conn.commit(read_timeout=self._timeout)
            self._conn.exit_config_mode()
            self._conn.set_base_prompt()
        except ValueError as exc:  # netmiko: commit refused
            self.discard()
            raise LineRefused(len(lines), f"commit refused: {str(exc).splitlines()[0]}") from None
        except _transport_errors() as exc:
            reason = f"no answer after the last line ({type(exc).__name__})"
            raise self._lost(None, reason) from None

    def discard(self) -> None:
        """Junos: drop the uncommitted candidate; IOS has none. Best effort on a live session."""
        if not self._cli.commits or not self._alive():
            return
        try:
            self._conn.config_mode()
            self._send("rollback 0")
            self._conn.exit_config_mode()
        except _transport_errors():
            return

    def _send(self, line: str, *, error_pattern: str = "") -> str:
        return self._conn.send_config_set(
            [line],
            enter_config_mode=False,
            exit_config_mode=False,
            error_pattern=error_pattern,
            read_timeout=self._timeout,
        )

    def _alive(self) -> bool:
        try:
            return bool(self._conn.is_alive())
        except _transport_errors():
            return False

    def _lost(self, index: int | None, reason: str) -> DriverError:
        state = "session timed out" if self._alive() else "session dropped"
        return SessionLost(index, f"{state}: {reason}")


class NetmikoDriver:
    """Opens :class:`NetmikoSession` objects (one SSH login per session)."""

    @contextmanager
    def open(self, login: Login, *, timeout: float) -> Iterator[ConfigSession]:
        """A configuration session on the router; :class:`Unreachable` when it cannot log in."""
        endpoint = login.endpoint
        cli = PLATFORMS.get(endpoint.platform)
        if cli is None:
            raise Unreachable(f"no SSH driver for platform {endpoint.platform}")
        from netmiko import ConnectHandler

        try:
            conn = ConnectHandler(
                device_type=endpoint.platform,
                host=endpoint.host,
                port=endpoint.port,
                username=endpoint.username,
                password=login.password,
                secret=login.password,
                conn_timeout=timeout,
                auth_timeout=timeout,
                banner_timeout=timeout,
                read_timeout_override=timeout,
            )
        except _transport_errors() as exc:
            where = f"{endpoint.host}:{endpoint.port}"
            raise Unreachable(f"cannot log in at {where} ({_kind(exc)})") from None
        try:
            yield NetmikoSession(conn, cli, timeout)
        finally:
            with suppress(_transport_errors()):
                conn.disconnect()


def _kind(exc: BaseException) -> str:
    """What went wrong, without netmiko's message (it may echo parameters)."""
    name = type(exc).__name__
    return {
        "NetmikoTimeoutException": "timeout",
        "NetmikoAuthenticationException": "authentication failed",
        "ConnectionRefusedError": "connection refused",
    }.get(name, name)
