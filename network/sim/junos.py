"""A simulated Juniper Junos CE router: committed and candidate configurations, and its CLI."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

from network.sim.device import CliSession, SimDevice
from network.sim.junos_config import JunosConfig, Statement, parse_statement

_CLI_SETTINGS = (
    (re.compile(r"set cli screen-width (\d+)"), "Screen width set to {}"),
    (re.compile(r"set cli screen-length (\d+)"), "Screen length set to {}"),
    (re.compile(r"set cli complete-on-space (off)"), "Disabling complete-on-space"),
)
_UNCOMMITTED = "The configuration has been changed but not committed"
_SHOW_BGP_NEIGHBOR = re.compile(r"show bgp neighbor (\S+) instance (\S+)")


def base_config(name: str, username: str, index: int) -> list[Statement]:
    """Statements of a freshly installed CE router."""
    address = f"198.18.{index // 250}.{index % 250 + 1}/24"
    return [
        ("version", "21.4R3.15"),
        ("system", "host-name", name),
        ("system", "domain-name", "socle.lan"),
        ("system", "time-zone", "Europe/Paris"),
        ("system", "login", "user", username, "class", "super-user"),
        ("system", "services", "ssh"),
        ("system", "services", "netconf", "ssh"),
        ("system", "syslog", "file", "messages", "any", "notice"),
        ("interfaces", "ge-0/0/0", "disable"),
        ("interfaces", "ge-0/0/1", "disable"),
        ("interfaces", "fxp0", "description", "management"),
        ("interfaces", "fxp0", "unit", "0", "family", "inet", "address", address),
    ]


def edit(config: JunosConfig, line: str) -> str:
    """Apply one `set`/`delete` line; return Junos' warning or ''; ValueError if invalid."""
    verb, _, rest = line.partition(" ")
    statement = parse_statement(rest)
    if verb not in ("set", "delete") or not statement:
        raise ValueError(line)
    if verb == "set":
        config.set(statement)
        return ""
    return "" if config.delete(statement) else "warning: statement not found"


class JunosDevice(SimDevice):
    """One Junos router: a committed configuration and a shared candidate."""

    platform = "juniper_junos"

    def __init__(self, name: str, username: str, index: int) -> None:
        super().__init__(name, username, index)
        self.running = JunosConfig()
        self.candidate = JunosConfig()
        self.reset()

    def reset(self) -> None:
        """Return to the base configuration (nothing uncommitted) and clear faults."""
        with self.lock:
            self.faults.clear()
            self.running = JunosConfig(base_config(self.name, self.username, self.index))
            self.candidate = self.running.copy()

    def running_config(self) -> str:
        """`show configuration | display set` output (committed configuration)."""
        with self.lock:
            return self.running.render()

    def apply_out_of_band(self, lines: Sequence[str]) -> list[str]:
        """Apply `set`/`delete` lines as committed by another user (candidate follows)."""
        errors = []
        with self.lock:
            for line in lines:
                try:
                    for config in (self.running, self.candidate):
                        edit(config, " ".join(line.split()))
                except ValueError:
                    errors.append(f"syntax error: {line}")
        return errors

    def open_session(self) -> JunosSession:
        """Start the CLI of a new SSH session (operational mode)."""
        return JunosSession(self)

    @property
    def dirty(self) -> bool:
        """True when the candidate holds uncommitted changes."""
        return self.candidate.statements != self.running.statements


class JunosSession(CliSession):
    """Junos operational and configuration modes of one SSH session."""

    device: JunosDevice

    def __init__(self, device: JunosDevice) -> None:
        super().__init__(device)
        self._configuring = False
        self._confirm_exit = False

    @property
    def prompt(self) -> str:
        """`user@host> `, `[edit]` + `user@host# `, or the exit confirmation."""
        if self._confirm_exit:
            return "Exit with uncommitted changes? [yes,no] (yes) "
        user_host = f"{self.device.username}@{self.device.running.hostname()}"
        if self._configuring:
            return f"\n[edit]\n{user_host}# "
        return f"{user_host}> "

    def invalid(self, line: str) -> str:
        """Junos parser error pointing at the rejected word."""
        message = "syntax error." if self._configuring else "unknown command."
        return f"{self.caret(line)}\n{message}"

    def dispatch(self, line: str) -> str:
        """Answer a line in operational mode, configuration mode, or to the exit question."""
        line = line.removesuffix(" | no-more")
        if self._confirm_exit:
            self._confirm_exit = False
            if line in ("", "yes"):
                self._configuring = False
                return "Exiting configuration mode"
            return ""
        if self._configuring:
            return self._configuration(line)
        return self._operational(line)

    def _operational(self, line: str) -> str:
        for pattern, answer in _CLI_SETTINGS:
            if match := pattern.fullmatch(line):
                return answer.format(match.group(1))
        if not line:
            return ""
        if line == "show configuration | display set":
            return self.device.running_config()
        if line == "show version":
            return _show_version(self.device.running.hostname())
        if match := _SHOW_BGP_NEIGHBOR.fullmatch(line):
            address, instance = match.groups()
            return _show_bgp_neighbor(self.device.running, address, instance,
                                      down=self.device.session_down(address))
        if line == "configure":
            self._configuring = True
            notice = f"\n{_UNCOMMITTED}" if self.device.dirty else ""
            return "Entering configuration mode" + notice
        if line in ("exit", "quit"):
            self.closed = True
            return ""
        return self.invalid(line)

    def _configuration(self, line: str) -> str:
        verb, _, rest = line.partition(" ")
        if verb in ("set", "delete"):
            try:
                return edit(self.device.candidate, line)
            except ValueError:
                return self.invalid(line)
        if verb == "commit":
            return self._commit(line, rest)
        if line in ("rollback", "rollback 0"):
            self.device.candidate = self.device.running.copy()
            return "load complete"
        if line == "show | display set":
            return self.device.candidate.render()
        if verb == "run":
            return self._operational(rest)
        if line in ("exit", "quit", "exit configuration-mode"):
            return self._leave()
        if line in ("", "top", "up"):
            return ""
        return self.invalid(line)

    def _commit(self, line: str, options: str) -> str:
        if options == "check":
            return "configuration check succeeds"
        try:
            words = shlex.split(options)
        except ValueError:
            return self.invalid(line)
        and_quit = words[-1:] == ["and-quit"]
        words = words[:-1] if and_quit else words
        if words and not (len(words) == 2 and words[0] == "comment"):
            return self.invalid(line)
        self.device.running = self.device.candidate.copy()
        if and_quit:
            self._configuring = False
            return "commit complete\nExiting configuration mode"
        return "commit complete"

    def _leave(self) -> str:
        if self.device.dirty:
            self._confirm_exit = True
            return _UNCOMMITTED
        self._configuring = False
        return "Exiting configuration mode"


def _show_bgp_neighbor(config: JunosConfig, address: str, instance: str, *, down: bool) -> str:
    """A configured neighbour is Established (the simulated PE answers), or Active while
    the region's ``bgp-down`` fault holds it (``down``)."""
    for statement in config.statements:
        head, rest = statement[:6], statement[6:]
        if head[:4] == ("routing-instances", instance, "protocols", "bgp") and rest[:2] == (
            "neighbor",
            address,
        ):
            return (
                f"Peer: {address}+179 Instance: {instance}\n"
                f"  Type: External    State: {'Active' if down else 'Established'}    Flags: <Sync>"
            )
    return f"error: neighbor {address} not found in instance {instance}"


def _show_version(hostname: str) -> str:
    return f"Hostname: {hostname}\nModel: vmx\nJunos: 21.4R3.15"
