"""Simulated SNMP agents on loopback (snmpsim), one UDP endpoint per simulated device.

Each agent answers SNMPv2c (its community) and SNMPv3 authPriv (user, SHA + AES-128)
with the SNMPv2-MIB system group and IF-MIB ifTable/ifXTable: 64-bit octet counters and
32-bit error/discard counters growing at set rates, one interface flapping on a
schedule. Agents are spread over several snmpsim processes (snmpsim is CPU-bound
Python), each agent being its own SNMP engine (engine ID, user, data).

Python API: :class:`SimulatedAgents` (context manager). Foreground launcher for
``socle sim up``: ``python -m network.sim.snmp_agents --state-file PATH --count N``.
"""

from __future__ import annotations

import argparse
import logging
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from controlplane.faults import FAULTS_FILE, FaultBook
from controlplane.relay import UdpRelay
from controlplane.settings import Settings
from controlplane.simulation import write_state
from network.drivers.snmp_usm import digest_span
from network.sim import snmp_responder, snmp_variation
from network.sim.fault_kinds import BEHAVIOURS as FAULT_BEHAVIOURS
from network.sim.fault_kinds import INTERFACE_DOWN
from network.sim.snmp_data import (
    FlapSchedule,
    SimInterface,
    make_interfaces,
    snmprec,
    write_agent_dir,
    write_control,
)
from network.sim.snmp_probe import answering, free_udp_ports

AUTH_PROTOCOL = "SHA"  # HMAC-SHA-96 (usmHMACSHAAuthProtocol)
PRIV_PROTOCOL = "AES"  # CFB128-AES-128 (usmAesCfb128Protocol)
_DROP_TO = ("nobody", "nogroup")  # snmpsim refuses to run as root without a user to drop to
_START_SECONDS = 60.0
_STOP_SECONDS = 5.0
_WATCH_SECONDS = 0.2  # how often the agents re-read the region's faults
_TOKEN = re.compile(r"[A-Za-z0-9._-]+")
_MAX_VAR_BINDS = 1024  # per response; snmpsim's default (64) would cut bulk replies short

log = logging.getLogger(__name__)

#: The SNMPv3 user of the agents: Socle's default (SOCLE_NETWORK_SNMP_USER), so the
#: demo polls them however Socle is started.
DEFAULT_V3_USER: str = Settings.model_fields["network_snmp_user"].default


@dataclass(frozen=True)
class SimulatedAgent:
    """Where and how to poll one simulated device (keys are left out of repr)."""

    name: str
    host: str
    port: int
    community: str = field(repr=False)
    engine_id: str
    v3_user: str
    v3_auth_key: str = field(repr=False)
    v3_priv_key: str = field(repr=False)
    interfaces: tuple[SimInterface, ...]
    flap: FlapSchedule | None
    v3_auth_protocol: str = AUTH_PROTOCOL
    v3_priv_protocol: str = PRIV_PROTOCOL

    def interface(self, if_index: int) -> SimInterface:
        """The simulated interface `if_index`."""
        return next(itf for itf in self.interfaces if itf.if_index == if_index)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description, keys included (the state file is mode 0600)."""
        return {
            "name": self.name,
            "host": self.host,
            "port": self.port,
            "community": self.community,
            "engine_id": self.engine_id,
            "v3": {
                "user": self.v3_user,
                "auth_protocol": self.v3_auth_protocol,
                "auth_key": self.v3_auth_key,
                "priv_protocol": self.v3_priv_protocol,
                "priv_key": self.v3_priv_key,
            },
            "interfaces": [itf.to_dict() for itf in self.interfaces],
            "flap": self.flap.to_dict() if self.flap else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SimulatedAgent:
        """Read back an agent written by to_dict() (e.g. from the launcher's state file)."""
        v3 = data["v3"]
        return cls(
            name=data["name"],
            host=data["host"],
            port=data["port"],
            community=data["community"],
            engine_id=data["engine_id"],
            v3_user=v3["user"],
            v3_auth_key=v3["auth_key"],
            v3_priv_key=v3["priv_key"],
            interfaces=tuple(SimInterface(**itf) for itf in data["interfaces"]),
            flap=FlapSchedule(**data["flap"]) if data["flap"] else None,
            v3_auth_protocol=v3["auth_protocol"],
            v3_priv_protocol=v3["priv_protocol"],
        )


def wrong_digest(request: bytes) -> bytes:
    """``request`` with its SNMPv3 digest altered (unchanged when not authenticated, such
    as an engine discovery): the agent refuses it as a wrong digest (``snmp-auth``)."""
    span = digest_span(request)
    if span is None or span[0] == span[1]:
        return request
    start = span[0]
    return request[:start] + bytes([request[start] ^ 0xFF]) + request[start + 1:]


class SimulatedAgents:
    """N SNMP agents on free UDP ports of `host`, named `<prefix>01`, `<prefix>02`...

    Counters start as if each device had been up for `uptime` seconds. Interface
    `flap_if_index` of every agent is down for the last `flap_down` seconds of every
    `flap_period` seconds. `reboot()` and `wrap()` change an agent's counters at once.
    Community, user and keys are shared by all agents (random unless given) and must be
    plain tokens (the community names a file; all go on snmpsim's command line).
    snmpsim also answers the empty SNMPv2c community: that data file is the one it
    serves to SNMPv3 requests with an empty context name.
    """

    def __init__(
        self,
        count: int = 2,
        interfaces: int = 8,
        *,
        processes: int | None = None,
        community: str | None = None,
        v3_user: str = DEFAULT_V3_USER,
        v3_auth_key: str | None = None,
        v3_priv_key: str | None = None,
        flap_if_index: int = 1,
        flap_period: float = 60.0,
        flap_down: float = 15.0,
        uptime: float = 86_400.0,
        name_prefix: str = "ce",
        host: str = "127.0.0.1",
        faults: FaultBook | None = None,
    ) -> None:
        if count < 1 or interfaces < 1 or not 0 < flap_down < flap_period:
            raise ValueError("need count >= 1, interfaces >= 1 and 0 < flap_down < flap_period")
        given = {"community": community, "v3 user": v3_user, "v3 auth key": v3_auth_key,
                 "v3 priv key": v3_priv_key}
        for label, value in given.items():
            if value is not None and not _TOKEN.fullmatch(value):
                raise ValueError(f"the {label} must be letters, digits, '.', '_' or '-'")
        if any(key is not None and len(key) < 8 for key in (v3_auth_key, v3_priv_key)):
            raise ValueError("SNMPv3 keys need at least 8 characters")
        self.host = host
        self._processes = max(1, min(count, processes or os.cpu_count() or 1))
        self._community = community or secrets.token_hex(8)
        self._v3 = (
            v3_user,
            v3_auth_key or secrets.token_hex(12),
            v3_priv_key or secrets.token_hex(12),
        )
        self._flap = (flap_if_index, flap_period, flap_down)
        self._uptime = uptime
        self._names = [f"{name_prefix}{index + 1:02d}" for index in range(count)]
        self._interfaces = interfaces
        self.agents: tuple[SimulatedAgent, ...] = ()
        self._boots: dict[str, float] = {}
        self._workdir: Path | None = None
        self._children: list[subprocess.Popen[bytes]] = []
        self._faults = faults
        self._inner: dict[str, int] = {}  # the port snmpsim answers on, behind each relay
        self._relays: list[UdpRelay] = []
        self._wraps: dict[str, float | None] = {}  # pending counter wrap, per agent
        self._down: dict[str, frozenset[int]] = {}  # interfaces held down, per agent
        self._stop_watch = threading.Event()
        self._watcher: threading.Thread | None = None

    def __enter__(self) -> SimulatedAgents:
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
        """Generate the agents' data, start the snmpsim processes, wait until all answer."""
        if self._workdir is not None:
            return
        self._workdir = Path(tempfile.mkdtemp(prefix="socle-snmpsim-"))
        try:
            self._prepare()
            self._relays = [
                UdpRelay(self.host, self._inner[agent.name], faults=self._faults,
                         behaviours=FAULT_BEHAVIOURS, host=self.host, port=agent.port,
                         tamper=wrong_digest).start()
                for agent in self.agents
            ]
            self._launch()
            self._wait_ready()
            if self._faults is not None:
                self._stop_watch.clear()
                self._watcher = threading.Thread(target=self._watch_faults, daemon=True,
                                                 name="snmp-agents-faults")
                self._watcher.start()
        except BaseException:
            self.stop()
            raise
        for args_file in self._workdir.glob("args-*.txt"):  # they hold the v3 keys
            args_file.unlink()

    def stop(self) -> None:
        """Stop every snmpsim process (SIGTERM, then SIGKILL) and remove the data."""
        self._stop_watch.set()
        if self._watcher is not None:
            self._watcher.join(timeout=_STOP_SECONDS)
            self._watcher = None
        relays, self._relays = self._relays, []
        for relay in relays:
            relay.stop()
        children, self._children = self._children, []
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + _STOP_SECONDS
        for child in children:
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def agent(self, name: str) -> SimulatedAgent:
        """The endpoint of agent `name` (after start)."""
        for agent in self.agents:
            if agent.name == name:
                return agent
        raise KeyError(name)

    def reboot(self, name: str) -> None:
        """Make agent `name` look freshly rebooted: sysUpTime and every counter restart
        from 0 now (any pending wrap is cancelled)."""
        self._boots[name] = time.time()
        self._wraps[name] = None
        self._write_control(name)

    def wrap(self, name: str, after: float = 1.0) -> float:
        """Make every counter of agent `name` (32- and 64-bit) wrap `after` seconds from
        now: each reads rate x (t - wrap time) modulo its width. Returns the wrap epoch."""
        wrap_at = self._wraps[name] = time.time() + after
        self._write_control(name)
        return wrap_at

    def held_down(self, name: str) -> frozenset[int]:
        """The interfaces of agent `name` an ``interface-down`` fault holds down now (as
        its agent reads them; the faults are followed within a fraction of a second)."""
        return self._down.get(name, frozenset())

    def _write_control(self, name: str) -> None:
        write_control(self._agent_dir(name), boot=self._boots[name],
                      wrap_at=self._wraps.get(name), down=self._down.get(name, frozenset()))

    def _watch_faults(self) -> None:
        """Follow the region's ``interface-down`` faults (selector ``interface`` =
        ``host:port/ifIndex`` of an agent as published) into the agents' control files."""
        assert self._faults is not None
        while not self._stop_watch.wait(_WATCH_SECONDS):
            held = [selected for fault in self._faults.faults() if fault.kind == INTERFACE_DOWN
                    for selected in fault.selectors.get("interface", ())]
            for agent in self.agents:
                prefix = f"{agent.host}:{agent.port}/"
                down = frozenset(int(value.removeprefix(prefix)) for value in held
                                 if value.startswith(prefix))
                if down != self._down.get(agent.name, frozenset()):
                    self._down[agent.name] = down
                    self._write_control(agent.name)

    def state(self) -> dict[str, Any]:
        """JSON-ready description of the agents, keys included."""
        return {"agents": [agent.to_dict() for agent in self.agents]}

    def _agent_dir(self, name: str) -> Path:
        if self._workdir is None or name not in self._boots:
            raise KeyError(name)
        return self._workdir / "data" / name

    def _prepare(self) -> None:
        assert self._workdir is not None
        self._workdir.chmod(0o755)  # the agents may run as nobody
        variation_dir = self._workdir / "variation"
        variation_dir.mkdir(mode=0o755)
        variation_file = variation_dir / "socle.py"
        shutil.copyfile(snmp_variation.__file__, variation_file)
        variation_file.chmod(0o644)
        (self._workdir / "data").mkdir()
        (self._workdir / "data").chmod(0o755)
        cache_dir = self._workdir / "cache"
        cache_dir.mkdir(mode=0o755)
        if os.geteuid() == 0:
            user = pwd.getpwnam(_DROP_TO[0])
            os.chown(cache_dir, user.pw_uid, user.pw_gid)
        flap_if, period, down = self._flap
        count = len(self._names)
        both = free_udp_ports(2 * count, self.host)
        ports = both[:count]  # published: the relays'
        self._inner = dict(zip(self._names, both[count:], strict=True))
        now = time.time()
        agents = []
        for index, (name, port) in enumerate(zip(self._names, ports, strict=True)):
            interfaces = make_interfaces(index, self._interfaces)
            flap = FlapSchedule(flap_if, period, down) if flap_if <= self._interfaces else None
            self._boots[name] = now - self._uptime
            write_agent_dir(
                self._workdir / "data" / name,
                self._community,
                snmprec(name, interfaces, flap),
                boot=self._boots[name],
            )
            agents.append(
                SimulatedAgent(
                    name=name,
                    host=self.host,
                    port=port,
                    community=self._community,
                    engine_id=f"80001f8804{name.encode().hex()}{secrets.token_hex(4)}",
                    v3_user=self._v3[0],
                    v3_auth_key=self._v3[1],
                    v3_priv_key=self._v3[2],
                    interfaces=interfaces,
                    flap=flap,
                )
            )
        self.agents = tuple(agents)

    def _launch(self) -> None:
        assert self._workdir is not None
        drop = ["--process-user", _DROP_TO[0], "--process-group", _DROP_TO[1]]
        for number in range(self._processes):
            group = self.agents[number :: self._processes]
            args_file = self._workdir / f"args-{number}.txt"
            args_file.touch(mode=0o600)
            args_file.write_text("\n".join(self._engine_args(agent) for agent in group) + "\n")
            with (self._workdir / f"snmpsim-{number}.log").open("ab") as log_file:
                self._children.append(
                    subprocess.Popen(
                        [
                            # -O: pysnmp then exec()s its MIB modules rather than runpy them,
                            # about 40 % faster per engine; -P: the script's folder stays off
                            # sys.path (network/sim/*.py would shadow top-level modules)
                            sys.executable, "-O", "-P", snmp_responder.__file__,
                            f"--cache-dir={self._workdir / 'cache'}",
                            f"--variation-modules-dir={self._workdir / 'variation'}",
                            f"--args-from-file={args_file}",
                            f"--max-var-binds={_MAX_VAR_BINDS}",
                            "--log-level=error",  # info would log the v3 keys
                            *(drop if os.geteuid() == 0 else []),
                        ],
                        cwd=self._workdir,
                        stdin=subprocess.DEVNULL,
                        stdout=log_file,
                        stderr=subprocess.STDOUT,
                    )
                )

    def _engine_args(self, agent: SimulatedAgent) -> str:
        assert self._workdir is not None
        return " ".join(
            [
                f"--v3-engine-id={agent.engine_id}",
                f"--data-dir={self._workdir / 'data' / agent.name}",
                f"--v3-user={agent.v3_user}",
                f"--v3-auth-key={agent.v3_auth_key}",
                f"--v3-auth-proto={agent.v3_auth_protocol}",
                f"--v3-priv-key={agent.v3_priv_key}",
                f"--v3-priv-proto={agent.v3_priv_protocol}",
                f"--agent-udpv4-endpoint={agent.host}:{self._inner[agent.name]}",
            ]
        )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + _START_SECONDS
        pending = list(self.agents)
        while pending:
            for number, child in enumerate(self._children):
                if child.poll() is not None:
                    raise RuntimeError(
                        f"snmpsim process {number} exited with {child.returncode}:\n"
                        + self._log_tail(number)
                    )
            if time.monotonic() > deadline:
                raise RuntimeError(f"SNMP agents not ready in {_START_SECONDS:.0f} s: "
                                   f"{', '.join(agent.name for agent in pending)}")
            replied = answering([(agent.host, agent.port) for agent in pending], self._community)
            pending = [agent for agent in pending if (agent.host, agent.port) not in replied]

    def _log_tail(self, number: int, lines: int = 15) -> str:
        assert self._workdir is not None
        path = self._workdir / f"snmpsim-{number}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options of the foreground launcher."""
    parser = argparse.ArgumentParser(
        prog="python -m network.sim.snmp_agents", description="Run simulated SNMP agents."
    )
    parser.add_argument("--state-file", type=Path, required=True, help="JSON endpoints file")
    parser.add_argument("--count", type=int, default=2, help="number of devices")
    parser.add_argument("--interfaces", type=int, default=8, help="interfaces per device")
    parser.add_argument("--processes", type=int, default=None, help="default: CPU count")
    parser.add_argument("--community", default=None, help="default: random")
    parser.add_argument("--v3-user", default=DEFAULT_V3_USER)
    parser.add_argument("--flap-if-index", type=int, default=1)
    parser.add_argument("--flap-period", type=float, default=60.0, help="seconds")
    parser.add_argument("--flap-down", type=float, default=15.0, help="seconds down per period")
    parser.add_argument("--name-prefix", default="ce")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the agents in the foreground until SIGTERM or SIGINT; return the exit code."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        agents = SimulatedAgents(
            args.count,
            args.interfaces,
            processes=args.processes,
            community=args.community,
            v3_user=args.v3_user,
            flap_if_index=args.flap_if_index,
            flap_period=args.flap_period,
            flap_down=args.flap_down,
            name_prefix=args.name_prefix,
            faults=FaultBook(args.state_file.parent / FAULTS_FILE),
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with agents:
        write_state(args.state_file, {"pid": os.getpid(), **agents.state()})
        try:
            while not stop.wait(0.5):
                pass
        finally:
            args.state_file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
