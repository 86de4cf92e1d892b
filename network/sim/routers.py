"""A region of simulated CE routers reachable over SSH on loopback (FakeNOS + stateful CLI).

Run `python -m network.sim.routers --help` for the foreground launcher.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from types import TracebackType
from typing import Any

from fakenos import FakeNOS
from fakenos.core.nos import Nos

from controlplane.faults import FaultBook
from controlplane.relay import TcpRelay
from network.sim.device import SimDevice
from network.sim.fault_kinds import BEHAVIOURS
from network.sim.ios import IosDevice
from network.sim.junos import JunosDevice
from network.sim.server import SimSshServer
from network.sim.shell import SimShell

PLATFORMS: dict[str, type[SimDevice]] = {"cisco_ios": IosDevice, "juniper_junos": JunosDevice}
_INTROS = {"cisco_ios": "", "juniper_junos": "--- JUNOS 21.4R3.15 Kernel 64-bit"}


@dataclass(frozen=True)
class SimulatedDevice:
    """Where and how to reach one simulated router."""

    name: str
    platform: str
    port: int
    username: str
    password: str
    host: str = "127.0.0.1"

    @property
    def device_type(self) -> str:
        """The netmiko device_type (the FakeNOS platform names match netmiko's)."""
        return self.platform

    def netmiko_params(self) -> dict[str, Any]:
        """Keyword arguments for `netmiko.ConnectHandler`."""
        return {
            "device_type": self.device_type,
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "password": self.password,
            "secret": self.password,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready endpoint description."""
        return {**asdict(self), "device_type": self.device_type}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SimulatedDevice:
        """Read back an endpoint written by to_dict() (e.g. from the launcher's state file)."""
        return cls(**{f.name: data[f.name] for f in fields(cls)})


class SimulatedRouters:
    """N stateful routers on loopback, each with its own SSH port and configuration.

    Devices are named `<prefix>01`, `<prefix>02`, ... and take the platforms in turn.
    Use as a context manager, or call start() and stop().
    """

    def __init__(
        self,
        count: int = 2,
        platforms: Sequence[str] = ("cisco_ios",),
        *,
        username: str = "admin",
        password: str | None = None,
        name_prefix: str = "ce",
        host: str = "127.0.0.1",
        faults: FaultBook | None = None,
    ) -> None:
        unknown = sorted(set(platforms) - PLATFORMS.keys())
        if unknown or not platforms or count < 1:
            raise ValueError(f"need count >= 1 and platforms among {sorted(PLATFORMS)}")
        self.username = username
        self.password = password or secrets.token_urlsafe(12)
        self.host = host
        self._states: dict[str, SimDevice] = {}
        for index in range(count):
            name = f"{name_prefix}{index + 1:02d}"
            platform = platforms[index % len(platforms)]
            self._states[name] = PLATFORMS[platform](name, username, index)
            self._states[name].region = faults
        self.devices: tuple[SimulatedDevice, ...] = ()
        self._net: FakeNOS | None = None
        self._faults = faults
        self._inner: dict[str, int] = {}  # the port FakeNOS answers on, behind each relay
        self._relays: list[TcpRelay] = []

    def __enter__(self) -> SimulatedRouters:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start one SSH server per device on free loopback ports, each published behind a
        relay the region's ``circuit-down`` fault silences."""
        if self._net is not None:
            return
        with _reserved_ports(self.host, len(self._states)) as ports:
            self._inner = dict(zip(self._states, ports, strict=True))
            self._relays = [
                TcpRelay(self.host, port, faults=self._faults, behaviours=BEHAVIOURS,
                         host=self.host).start()
                for port in ports
            ]
            self.devices = tuple(
                SimulatedDevice(name, state.platform, relay.port, self.username, self.password,
                                self.host)
                for (name, state), relay in zip(self._states.items(), self._relays, strict=True)
            )
            for device in self.devices:
                self._states[device.name].endpoint = f"{device.host}:{device.port}"
            net = FakeNOS(inventory=self._inventory(), plugins=self._nos_plugins())
            # The inventory only accepts FakeNOS' own plugin names: swap the classes.
            net.shell_plugins["CMDShell"] = SimShell
            net.servers_plugins["ParamikoSshServer"] = SimSshServer
            net.start()
        self._net = net

    def stop(self) -> None:
        """Stop every SSH server (in parallel: each takes up to ~1 s to wind down)."""
        net, self._net = self._net, None
        relays, self._relays = self._relays, []
        for relay in relays:
            relay.stop()
        if net is None:
            return
        with ThreadPoolExecutor(max_workers=len(net.hosts)) as pool:
            list(pool.map(net.stop, list(net.hosts)))

    def device(self, name: str) -> SimulatedDevice:
        """The endpoint of device `name` (after start)."""
        for device in self.devices:
            if device.name == name:
                return device
        raise KeyError(name)

    def running_config(self, name: str) -> str:
        """What the device shows as its running configuration (IOS text, Junos `set` lines)."""
        return self._states[name].running_config()

    def apply_out_of_band(self, name: str, lines: Sequence[str]) -> list[str]:
        """Change the running configuration behind the control plane's back (drift).

        IOS takes config-mode lines, Junos `set`/`delete` lines (committed at once).
        Returns the device's error messages, empty when all lines applied.
        """
        return self._states[name].apply_out_of_band(lines)

    def refuse_line(self, name: str, line: str) -> None:
        """Make the device reject `line` with its parser error, without applying it."""
        state = self._states[name]
        with state.lock:
            state.faults.refused.add(" ".join(line.split()))

    def drop_session_on(self, name: str, line: str) -> None:
        """Make the device close the SSH session when it receives `line` (not applied)."""
        state = self._states[name]
        with state.lock:
            state.faults.drop_on.add(" ".join(line.split()))

    def clear_faults(self, name: str) -> None:
        """Remove the faults injected into device `name`."""
        state = self._states[name]
        with state.lock:
            state.faults.clear()

    def reset(self, name: str | None = None) -> None:
        """Restore the base configuration and clear faults, on one device or all."""
        for state_name, state in self._states.items():
            if name in (None, state_name):
                state.reset()

    def state(self) -> dict[str, Any]:
        """JSON-ready description of the running region."""
        return {"devices": [device.to_dict() for device in self.devices]}

    def _inventory(self) -> dict[str, Any]:
        server = {"address": self.host, "timeout": 1, "watchdog_interval": 1}
        return {
            "default": {
                "username": self.username,
                "password": self.password,
                "server": {"plugin": "ParamikoSshServer", "configuration": server},
            },
            "hosts": {
                device.name: {
                    "port": self._inner[device.name],
                    "platform": device.platform,
                    "nos": {"plugin": _nos_name(device.name)},
                    "shell": {
                        "plugin": "CMDShell",
                        "configuration": {"intro": _INTROS[device.platform]},
                    },
                }
                for device in self.devices
            },
        }

    def _nos_plugins(self) -> list[Nos]:
        """One NOS object per host, carrying that host's SimDevice (FakeNOS shares NOS
        objects between hosts naming the same plugin, so each host gets its own name)."""
        plugins = []
        for name, state in self._states.items():
            nos = Nos(name=_nos_name(name), commands={}, initial_prompt="{base_prompt}#")
            nos.device = state
            plugins.append(nos)
        return plugins


def _nos_name(device_name: str) -> str:
    return f"socle-sim-{device_name}"


@contextmanager
def _reserved_ports(host: str, count: int) -> Iterator[list[int]]:
    """Free TCP ports, held until the block ends so no other bind() takes them meanwhile.

    The holding sockets set SO_REUSEPORT and never listen: FakeNOS (which also sets
    SO_REUSEADDR/SO_REUSEPORT on Linux) can bind the same port inside the block.
    """
    holders: list[socket.socket] = []
    try:
        for _ in range(count):
            holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            holders.append(holder)
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            holder.bind((host, 0))
        yield [holder.getsockname()[1] for holder in holders]
    finally:
        for holder in holders:
            holder.close()


if __name__ == "__main__":
    from network.sim.launcher import main

    raise SystemExit(main())
