"""A simulated Cisco IOS CE router: base configuration, device state and its CLI."""

from __future__ import annotations

import re
from collections.abc import Sequence

from network.sim.device import CliSession, SimDevice
from network.sim.ios_config import IosConfig, IosCursor, Section

_ALIASES = {
    "sh run": "show running-config",
    "show run": "show running-config",
    "sh ver": "show version",
    "conf t": "configure terminal",
    "wr": "write memory",
    "write": "write memory",
    "write mem": "write memory",
    "copy run start": "copy running-config startup-config",
    "logout": "exit",
    "quit": "exit",
}
_SAVED = "Building configuration...\n[OK]"
_SHOW_BGP_NEIGHBOR = re.compile(r"show (?:ip )?bgp vpnv4 unicast vrf (\S+) neighbors (\S+)")


def base_config(name: str, username: str, index: int) -> list[str]:
    """Config-mode lines of a freshly installed CE router."""
    return [
        "version 15.9",
        "service timestamps debug datetime msec",
        "service timestamps log datetime msec",
        "no service password-encryption",
        f"hostname {name}",
        "boot-start-marker",
        "boot-end-marker",
        "no aaa new-model",
        "ip domain name socle.lan",
        "no ip domain lookup",
        f"username {username} privilege 15 secret 9 $9$simulated$",
        "interface GigabitEthernet0/0",
        " description management",
        f" ip address 198.18.{index // 250}.{index % 250 + 1} 255.255.255.0",
        " duplex auto",
        " speed auto",
        "interface GigabitEthernet0/1",
        " no ip address",
        " shutdown",
        "interface GigabitEthernet0/2",
        " no ip address",
        " shutdown",
        "ip forward-protocol nd",
        "no ip http server",
        "no ip http secure-server",
        "ip ssh version 2",
        "line con 0",
        "line vty 0 4",
        " login local",
        " transport input ssh",
    ]


class IosDevice(SimDevice):
    """One IOS router: a running configuration (saving it is a no-op)."""

    platform = "cisco_ios"

    def __init__(self, name: str, username: str, index: int) -> None:
        super().__init__(name, username, index)
        self.config = IosConfig()
        self.reset()

    def reset(self) -> None:
        """Return to the base configuration and clear faults."""
        with self.lock:
            self.faults.clear()
            self.config.clear()
            self.config.apply(base_config(self.name, self.username, self.index))

    def running_config(self) -> str:
        """`show running-config` output."""
        with self.lock:
            body = self.config.render()
        return f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n!\n{body}"

    def apply_out_of_band(self, lines: Sequence[str]) -> list[str]:
        """Apply config-mode lines to the running configuration, as a console user would."""
        with self.lock:
            return self.config.apply(lines)

    def open_session(self) -> IosSession:
        """Start the CLI of a new SSH session (privilege 15, exec mode)."""
        return IosSession(self)


class IosSession(CliSession):
    """IOS exec and configuration modes of one SSH session."""

    device: IosDevice

    def __init__(self, device: IosDevice) -> None:
        super().__init__(device)
        self._cursor: IosCursor | None = None
        self._question: str | None = None

    @property
    def prompt(self) -> str:
        """`R1#`, `R1(config-if)#`, or a pending question."""
        if self._question:
            return self._question
        hostname = self.device.config.hostname()
        if self._cursor is None:
            return f"{hostname}#"
        return f"{hostname}({self._cursor.mode})#"

    def invalid(self, line: str) -> str:
        """IOS parser error pointing at the rejected word."""
        return f"{self.caret(line)}\n% Invalid input detected at '^' marker.\n\n"

    def dispatch(self, line: str) -> str:
        """Answer a line in exec mode, config mode, or to a pending question."""
        if self._question:
            self._question = None
            return _SAVED
        if self._cursor is None:
            return self._exec(line)
        if line == "end":
            self._cursor = None
        elif line == "exit":
            if not self._cursor.exit():
                self._cursor = None
        elif line.startswith("do "):
            return self._exec(line.removeprefix("do "))
        else:
            return self._cursor.feed(line)
        return ""

    def _exec(self, line: str) -> str:
        command = _ALIASES.get(line, line)
        if not command or command == "enable" or command.startswith("terminal "):
            return ""
        if command == "show running-config":
            return self.device.running_config()
        if command == "show version":
            return _show_version(self.device.config.hostname())
        if match := _SHOW_BGP_NEIGHBOR.fullmatch(command):
            vrf, address = match.groups()
            return _show_bgp_neighbor(self.device.config, vrf, address,
                                      down=self.device.session_down(address))
        if command == "configure terminal":
            self._cursor = IosCursor(self.device.config)
            return "Enter configuration commands, one per line.  End with CNTL/Z."
        if command == "write memory":
            return _SAVED
        if command == "copy running-config startup-config":
            self._question = "Destination filename [startup-config]? "
            return ""
        if command == "exit":
            self.closed = True
            return ""
        return self.invalid(line)


def _show_bgp_neighbor(config: IosConfig, vrf: str, address: str, *, down: bool) -> str:
    """A configured neighbour is Established (the simulated PE answers), or Active while
    the region's ``bgp-down`` fault holds it (``down``)."""
    prefix = f"neighbor {address} remote-as "
    for router in config.root.children:
        if not (isinstance(router, Section) and router.text.startswith("router bgp ")):
            continue
        for family in router.children:
            if isinstance(family, Section) and family.text == f"address-family ipv4 vrf {vrf}":
                for line in family.children:
                    if isinstance(line, str) and line.startswith(prefix):
                        remote_as = line.removeprefix(prefix)
                        state = "Active" if down else "Established, up for 00:00:05"
                        return (
                            f"BGP neighbor is {address},  vrf {vrf},  remote AS {remote_as}, "
                            f"external link\n  BGP state = {state}"
                        )
    return "% No such neighbor or address family"


def _show_version(hostname: str) -> str:
    return (
        "Cisco IOS Software, IOSv Software (VIOS-ADVENTERPRISEK9-M), Version 15.9(3)M7, "
        "RELEASE SOFTWARE (fc1)\n"
        f"{hostname} uptime is 1 hour, 0 minutes\n"
        'System image file is "flash0:/vios-adventerprisek9-m"\n'
        "Configuration register is 0x0"
    )
