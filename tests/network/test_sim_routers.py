"""Simulated CE routers: real SSH on loopback with netmiko, stateful configs, faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from netmiko import BaseConnection, ConnectHandler
from netmiko.exceptions import ConfigInvalidException, NetmikoBaseException

from network.sim.ios_config import IosConfig
from network.sim.routers import SimulatedDevice, SimulatedRouters

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Platform:
    """What a test needs to know to drive one platform."""

    name: str
    device: str  # device under test
    neighbour: str  # another device of the same platform
    show: str
    push: tuple[str, ...]
    expected: tuple[str, ...]  # lines of the running config once `push` is applied
    undo: tuple[str, ...]
    refused: str  # a line of `push` the device will refuse
    error: str  # the platform's parser error
    error_pattern: str  # regex for netmiko's error_pattern
    drop_index: int  # index in `push` of the line that drops the session


IOS = Platform(
    name="cisco_ios",
    device="ce01",
    neighbour="ce03",
    show="show running-config",
    push=(
        "vrf definition CUST-A",
        " rd 65000:1",
        " address-family ipv4",
        " exit-address-family",
        "interface GigabitEthernet0/1",
        " description to PE",
        " vrf forwarding CUST-A",
        " ip address 10.0.0.1 255.255.255.252",
        " no shutdown",
        "router bgp 65001",
        " address-family ipv4 vrf CUST-A",
        "  neighbor 10.0.0.2 remote-as 65000",
        "  neighbor 10.0.0.2 activate",
        " exit-address-family",
    ),
    expected=(
        "vrf definition CUST-A",
        " rd 65000:1",
        "interface GigabitEthernet0/1",
        " description to PE",
        " vrf forwarding CUST-A",
        " ip address 10.0.0.1 255.255.255.252",
        "router bgp 65001",
        " address-family ipv4 vrf CUST-A",
        "  neighbor 10.0.0.2 remote-as 65000",
        "  neighbor 10.0.0.2 activate",
    ),
    undo=(
        "no router bgp 65001",
        "interface GigabitEthernet0/1",
        " no description",
        " no vrf forwarding CUST-A",
        " no ip address",
        " shutdown",
        "no vrf definition CUST-A",
    ),
    refused="  neighbor 10.0.0.2 remote-as 65000",
    error="% Invalid input detected at '^' marker.",
    error_pattern=r"% Invalid input",
    drop_index=9,  # router bgp 65001
)

JUNOS = Platform(
    name="juniper_junos",
    device="ce02",
    neighbour="ce04",
    show="show configuration | display set",
    push=(
        "set interfaces ge-0/0/1 unit 0 description to-PE",
        "set interfaces ge-0/0/1 unit 0 family inet address 10.0.0.1/30",
        "set routing-instances CUST-A instance-type vrf",
        "set routing-instances CUST-A interface ge-0/0/1.0",
        "set routing-instances CUST-A route-distinguisher 65000:1",
        "set routing-instances CUST-A vrf-target target:65000:1",
        "set routing-instances CUST-A protocols bgp group PE type external",
        "set routing-instances CUST-A protocols bgp group PE peer-as 65000",
        "set routing-instances CUST-A protocols bgp group PE neighbor 10.0.0.2",
    ),
    expected=(
        "set interfaces ge-0/0/1 unit 0 family inet address 10.0.0.1/30",
        "set routing-instances CUST-A instance-type vrf",
        "set routing-instances CUST-A route-distinguisher 65000:1",
        "set routing-instances CUST-A protocols bgp group PE neighbor 10.0.0.2",
    ),
    undo=("delete routing-instances CUST-A", "delete interfaces ge-0/0/1 unit 0"),
    refused="set routing-instances CUST-A protocols bgp group PE peer-as 65000",
    error="syntax error.",
    error_pattern=r"syntax error",
    drop_index=4,  # route-distinguisher
)

PLATFORMS = pytest.mark.parametrize("platform", [IOS, JUNOS], ids=lambda p: p.name)


@pytest.fixture(scope="module")
def routers() -> Iterator[SimulatedRouters]:
    with SimulatedRouters(4, ["cisco_ios", "juniper_junos"]) as region:
        yield region


@pytest.fixture(autouse=True)
def _fresh_devices(routers: SimulatedRouters) -> None:
    routers.reset()


@contextmanager
def connect(device: SimulatedDevice) -> Iterator[BaseConnection]:
    conn = ConnectHandler(**device.netmiko_params())
    try:
        yield conn
    finally:
        conn.disconnect()


def push(conn: BaseConnection, platform: Platform, lines: tuple[str, ...]) -> str:
    """Apply lines the way the control plane will (Junos: and commit)."""
    if platform is IOS:
        return conn.send_config_set(lines)
    output = conn.send_config_set(lines, exit_config_mode=False)
    output += conn.commit()
    conn.exit_config_mode()
    return output


def config_lines(text: str) -> list[str]:
    return text.splitlines()


def test_endpoints_are_distinct_loopback_ports(routers: SimulatedRouters) -> None:
    ports = {d.port for d in routers.devices}
    assert len(ports) == 4
    assert [d.platform for d in routers.devices] == ["cisco_ios", "juniper_junos"] * 2
    assert all(d.host == "127.0.0.1" for d in routers.devices)


@PLATFORMS
def test_base_config_is_shown(routers: SimulatedRouters, platform: Platform) -> None:
    with connect(routers.device(platform.device)) as conn:
        shown = conn.send_command(platform.show)
    lines = config_lines(shown)
    if platform is IOS:
        assert "hostname ce01" in lines
        assert "interface GigabitEthernet0/0" in lines
        assert lines[-1] == "end"
    else:
        assert "set system host-name ce02" in lines
        assert "set interfaces fxp0 description management" in lines
    assert shown.strip() == routers.running_config(platform.device).strip()


@PLATFORMS
def test_push_read_back_and_undo(routers: SimulatedRouters, platform: Platform) -> None:
    base = routers.running_config(platform.device)
    with connect(routers.device(platform.device)) as conn:
        push(conn, platform, platform.push)
        after = config_lines(conn.send_command(platform.show))
        for line in platform.expected:
            assert line in after
        added = set(platform.expected) - set(config_lines(base))
        assert added
        assert not added & set(config_lines(routers.running_config(platform.neighbour)))
        push(conn, platform, platform.undo)
        assert conn.send_command(platform.show).strip() == base.strip()
    assert routers.running_config(platform.device) == base


@PLATFORMS
def test_refused_line_answers_error_and_is_not_applied(
    routers: SimulatedRouters, platform: Platform
) -> None:
    routers.refuse_line(platform.device, platform.refused)
    with connect(routers.device(platform.device)) as conn:
        output = push(conn, platform, platform.push)
        assert platform.error in output
        with pytest.raises(ConfigInvalidException):
            conn.send_config_set(
                [platform.refused], error_pattern=platform.error_pattern, exit_config_mode=False
            )
    running = routers.running_config(platform.device)
    assert platform.refused.strip() not in running
    assert platform.expected[0] in config_lines(running)


@PLATFORMS
def test_dropped_session_raises_and_keeps_earlier_config(
    routers: SimulatedRouters, platform: Platform
) -> None:
    base = routers.running_config(platform.device)
    dropped = platform.push[platform.drop_index]
    routers.drop_session_on(platform.device, dropped)
    conn = ConnectHandler(**routers.device(platform.device).netmiko_params())
    with pytest.raises((NetmikoBaseException, OSError)):
        conn.send_config_set(platform.push, read_timeout=1)
    conn.disconnect()
    running = routers.running_config(platform.device)
    if platform is IOS:
        assert " description to PE" in config_lines(running)  # before the drop: applied
        assert "router bgp 65001" not in running  # the dropped line and after: not
    else:
        assert running == base  # nothing committed
    routers.clear_faults(platform.device)
    with connect(routers.device(platform.device)) as conn:
        assert conn.send_command(platform.show).strip() == running.strip()


@PLATFORMS
def test_out_of_band_change_is_visible(routers: SimulatedRouters, platform: Platform) -> None:
    if platform is IOS:
        change, seen = ["interface GigabitEthernet0/2", " description rogue"], " description rogue"
    else:
        change = ["set interfaces ge-0/0/2 description rogue"]
        seen = "set interfaces ge-0/0/2 description rogue"
    assert routers.apply_out_of_band(platform.device, change) == []
    with connect(routers.device(platform.device)) as conn:
        assert seen in config_lines(conn.send_command(platform.show))
    assert seen not in config_lines(routers.running_config(platform.neighbour))


def test_junos_uncommitted_changes_are_not_running(routers: SimulatedRouters) -> None:
    base = routers.running_config(JUNOS.device)
    with connect(routers.device(JUNOS.device)) as conn:
        conn.send_config_set(JUNOS.push)  # leaves config mode without commit
        assert conn.send_command(JUNOS.show).strip() == base.strip()
        conn.config_mode()
        assert "load complete" in conn.send_command("rollback 0", expect_string=r"#")
        assert "check succeeds" in conn.commit(check=True)
        conn.exit_config_mode()
    assert routers.running_config(JUNOS.device) == base


def test_ios_save_config_answers_like_a_device(routers: SimulatedRouters) -> None:
    with connect(routers.device(IOS.device)) as conn:
        assert "[OK]" in conn.save_config()
        question = conn.send_command(
            "copy running-config startup-config", expect_string=r"\[startup-config\]\?"
        )
        assert "Destination filename" in question
        assert "[OK]" in conn.send_command("\n", expect_string=r"#")
        assert conn.check_enable_mode()


def test_entry_point_runs_until_sigterm(tmp_path: Path) -> None:
    state_file = tmp_path / "sim" / "state.json"
    command = [sys.executable, "-m", "network.sim.routers", "--count", "2"]
    command += ["--platforms", "cisco_ios,juniper_junos", "--state-file", str(state_file)]
    proc = subprocess.Popen(command, cwd=REPO)
    try:
        deadline = time.monotonic() + 30
        while not state_file.exists():
            assert proc.poll() is None, "launcher exited early"
            assert time.monotonic() < deadline, "no state file"
            time.sleep(0.1)
        state = json.loads(state_file.read_text())
        assert state["pid"] == proc.pid
        assert oct(state_file.stat().st_mode & 0o777) == oct(0o600)
        devices = [SimulatedDevice.from_dict(d) for d in state["devices"]]
        assert [d.device_type for d in devices] == ["cisco_ios", "juniper_junos"]
        with connect(devices[0]) as conn:
            assert "hostname ce01" in conn.send_command("show running-config")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert not state_file.exists()
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def test_ios_shows_ipv6_addresses_compressed_in_upper_case_and_routing_globally() -> None:
    config = IosConfig()
    assert config.apply(["hostname r1", "interface GigabitEthernet0/2",
                         " ipv6 address 2001:db8:0:0::1/64", " ip address 10.0.0.1 255.0.0.0",
                         "ipv6 unicast-routing", "username u secret x"]) == []
    shown = config.render().splitlines()
    assert shown.index("ipv6 unicast-routing") < shown.index("username u secret x")
    interface = shown[shown.index("interface GigabitEthernet0/2") + 1:][:2]
    assert interface == [" ip address 10.0.0.1 255.0.0.0", " ipv6 address 2001:DB8::1/64"]
    config.apply(["interface GigabitEthernet0/2", " no ipv6 address 2001:db8::1/64"])
    assert "ipv6 address" not in config.render()
