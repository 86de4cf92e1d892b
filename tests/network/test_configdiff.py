"""Pure parts of the configuration side: rendering, comparing, masking, secret references."""

from __future__ import annotations

import dataclasses
import os
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path

import pytest

from network import secrets
from network.config import configdiff, render
from network.config.configdiff import Scope
from network.inventory.platforms import Platform
from network.inventory.schemas import CircuitStatus, CosProfile

VRF = render.Vrf("T-GFU", "65010:100", ("65010:100", "65010:1"), ("65010:100", "65010:2"))
CIRCUIT = render.CircuitView(
    ref="CIR-1", provider="op", access="MPLS", status=CircuitStatus.ACTIVE,
    interface="GigabitEthernet0/1", vlan=None, cos_profile=CosProfile.BUSINESS,
    committed_mbps=20, bandwidth_mbps=100, vrf=VRF, interconnect=IPv4Network("10.1.0.0/30"),
    pe="pe-1", pe_asn=65010,
)
DEVICE = render.DeviceView(
    hostname="ce-1", platform=Platform.CISCO_IOS, asn=65101, site="S-1",
    lan_interface="GigabitEthernet0/2", lan=IPv4Network("10.64.0.0/24"), circuits=(CIRCUIT,),
    mgmt_networks=(IPv4Network("10.255.0.0/16"),), snmp_user="socle-mon",
)


DUAL = dataclasses.replace(  # with the loopback and IPv6 LAN the IP plan allocates
    DEVICE, loopback=IPv4Network("10.250.0.7/32"), lan6=IPv6Network("2001:db8:100:7::/64"))


def intended(device: render.DeviceView = DEVICE) -> tuple[str, Scope]:
    context = render.build_context(device)
    return render.render(context), Scope(tuple(context.owned_interfaces))


def ios(running: str, device: render.DeviceView = DEVICE) -> configdiff.ConfigDiff:
    text, scope = intended(device)
    return configdiff.compare("cisco_ios", running, text, scope, name="ce-1")


def test_missing_inventory_is_an_error_naming_what_is_missing() -> None:
    broken = dataclasses.replace(CIRCUIT, vrf=None, interconnect=None)
    with pytest.raises(render.IntentError) as error:
        render.build_context(dataclasses.replace(DEVICE, circuits=(broken,), mgmt_networks=()))
    message = str(error.value)
    assert "CIR-1 carries no VRF" in message and "no interconnect prefix" in message
    assert "no management pool" in message


def test_rendered_intent_holds_placeholders_not_secrets() -> None:
    text, _scope = intended()
    assert "auth sha <<secret:snmp-auth>> priv aes 128 <<secret:snmp-priv>>" in text
    assert " service-policy output SOCLE-SHAPE-20M-BUSINESS" in text
    assert "  neighbor 10.1.0.2 remote-as 65010" in text
    assert " bgp router-id 10.64.0.1" in text  # the LAN gateway: stable across migrations


def test_in_sync_means_no_lines_and_lines_outside_the_scope_are_ignored() -> None:
    text, _scope = intended()
    running = "Building configuration...\n!\nusername admin secret 9 x\n" + text
    running += "\ninterface GigabitEthernet0/0\n ip address 198.18.0.1 255.255.255.0\n"
    found = ios(running)
    assert found.in_sync and found.lines == () and found.diff == ""


def test_ios_changes_become_no_lines_in_their_section() -> None:
    text, _scope = intended()
    running = text.replace(" description MPLS CIR-1", " description old CIR-1").replace(
        "vrf forwarding T-GFU\n ip address 10.64.0.1", "vrf forwarding OLD\n ip address 10.64.0.1"
    ) + "vrf definition OLD\n rd 65010:999\n!\n"
    found = ios(running)
    lines = list(found.lines)
    assert "no vrf definition OLD" in lines
    assert lines.index("interface GigabitEthernet0/1") < lines.index(
        " no description old CIR-1 op 20/100Mbps")
    at = lines.index(" vrf forwarding T-GFU")  # a VRF change drops the address on IOS
    assert lines[at + 1] == " ip address 10.64.0.1 255.255.255.0"
    assert "-vrf definition OLD" in found.diff


def test_ios_snmp_user_is_removed_without_repeating_a_key() -> None:
    text, _scope = intended()
    masked = configdiff.mask("cisco_ios", text.replace("<<secret:snmp-auth>>", "k3y-0f-someone"),
                             secrets.Secrets({}))
    assert "k3y-0f-someone" not in masked and secrets.UNKNOWN in masked
    found = ios(masked)
    assert "no snmp-server user socle-mon SOCLE-MON v3" in found.lines
    assert not any("unknown" in line for line in found.lines[:found.lines.index(
        "no snmp-server user socle-mon SOCLE-MON v3") + 1])


def test_retired_circuit_parks_the_port_and_removes_a_sub_interface() -> None:
    retired = dataclasses.replace(CIRCUIT, ref="CIR-0", status=CircuitStatus.DECOMMISSIONED,
                                  interface="GigabitEthernet0/3")
    tagged = dataclasses.replace(retired, ref="CIR-9", interface="GigabitEthernet0/4", vlan=42)
    device = dataclasses.replace(DEVICE, circuits=(CIRCUIT, retired, tagged))
    text, scope = intended(device)
    assert "interface GigabitEthernet0/3\n shutdown" in text
    assert "GigabitEthernet0/4.42" in scope.interfaces and "0/4.42" not in text
    running = text + "interface GigabitEthernet0/4.42\n encapsulation dot1Q 42\n"
    assert "no interface GigabitEthernet0/4.42" in ios(running, device).lines


def test_ios_loopback_and_ipv6_lan_are_rendered_and_the_loopback_announced() -> None:
    text, scope = intended(DUAL)
    assert "Loopback0" in scope.interfaces
    assert ("interface Loopback0\n description Loopback S-1\n vrf forwarding T-GFU\n"
            " ip address 10.250.0.7 255.255.255.255\n!\n") in text
    lan = text.split("interface GigabitEthernet0/2\n")[1].split("!")[0].splitlines()
    assert lan[-2:] == [" ip address 10.64.0.1 255.255.255.0",
                        " ipv6 address 2001:DB8:100:7::1/64"]  # IOS shows IPv6 in upper case
    assert "!\nipv6 unicast-routing\n!\n" in text
    assert " exit-address-family\n !\n address-family ipv6\n exit-address-family\n!" in text
    family = text.split(" address-family ipv4 vrf T-GFU\n")[1].splitlines()
    assert family[:2] == ["  network 10.64.0.0 mask 255.255.255.0",
                          "  network 10.250.0.7 mask 255.255.255.255"]

    before, _scope = intended()  # a router configured before the IP plan allocated them
    lines = ios(before, DUAL).lines
    assert "ipv6 unicast-routing" in lines and " ipv6 address 2001:DB8:100:7::1/64" in lines
    assert ios(text, DUAL).in_sync
    assert "no ipv6 unicast-routing" in ios(text).lines  # Socle owns IPv6 routing


@pytest.mark.parametrize("platform", list(Platform))
def test_without_loopback_or_ipv6_lan_none_of_their_lines_is_rendered(
    platform: Platform,
) -> None:
    text = render.render(render.build_context(dataclasses.replace(DEVICE, platform=platform)))
    assert "ipv6" not in text and "inet6" not in text
    assert "Loopback" not in text and "lo0 unit 1" not in text and "lo0.1" not in text
    assert "" not in text.splitlines()


def test_junos_loopback_is_lo0_0_or_a_filtered_unit_of_its_vrf() -> None:
    circuit = dataclasses.replace(CIRCUIT, interface="ge-0/0/1")
    device = dataclasses.replace(DUAL, platform=Platform.JUNIPER_JUNOS, lan_interface="ge-0/0/2",
                                 circuits=(circuit,))
    lines = render.render(render.build_context(device)).splitlines()
    for expected in (
        "set interfaces ge-0/0/2 unit 0 family inet6 address 2001:db8:100:7::1/64",
        'set interfaces lo0 unit 1 description "Loopback S-1"',
        "set interfaces lo0 unit 1 family inet address 10.250.0.7/32",
        "set interfaces lo0 unit 1 family inet filter input SOCLE-MGMT",
        "set interfaces lo0 unit 0 family inet filter input SOCLE-MGMT",
        "set routing-instances T-GFU interface lo0.1",  # exported by SOCLE-LAN, as the LAN
    ):
        assert expected in lines, expected
    alone = render.render(render.build_context(dataclasses.replace(device, circuits=())))
    assert "set interfaces lo0 unit 0 family inet address 10.250.0.7/32" in alone.splitlines()
    assert "lo0 unit 1" not in alone and "routing-instances" not in alone


def test_loopback_and_ipv6_lan_of_another_length_are_errors() -> None:
    wrong = dataclasses.replace(DEVICE, loopback=IPv4Network("10.250.0.0/31"),
                                lan6=IPv6Network("2001:db8:100::/56"))
    with pytest.raises(render.IntentError) as error:
        render.build_context(wrong)
    assert "loopback 10.250.0.0/31 of site S-1 is not a /32" in str(error.value)
    assert "IPv6 site-lan prefix 2001:db8:100::/56 of site S-1 is not a /64" in str(error.value)


def junos(running: str, text: str) -> configdiff.ConfigDiff:
    return configdiff.compare("juniper_junos", running, text, Scope(("ge-0/0/1",)), name="ce-2")


def test_junos_compares_sets_and_deletes_the_shortest_path() -> None:
    text = "\n".join([
        "set system host-name ce-2",
        'set interfaces ge-0/0/1 unit 0 description "to PE"',
        "set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/30",
        "set routing-instances A instance-type vrf",
    ])
    shuffled = "\n".join(reversed(text.splitlines())) + "\nset interfaces fxp0 description m"
    assert junos(shuffled, text).in_sync
    running = "\n".join([
        "set system host-name ce-2",
        'set interfaces ge-0/0/1 unit 0 description "old one"',
        "set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/30",
        "set interfaces ge-0/0/1 unit 0 family inet address 10.9.0.1/30",
        "set interfaces ge-0/0/1 disable",
        "set routing-instances A instance-type vrf",
        "set routing-instances B instance-type vrf",
        "set routing-instances B route-distinguisher 1:1",
    ])
    found = junos(running, text)
    assert found.lines == (
        "delete interfaces ge-0/0/1 unit 0 description",
        "delete interfaces ge-0/0/1 unit 0 family inet address",
        "delete interfaces ge-0/0/1 disable",
        "delete routing-instances B",
        'set interfaces ge-0/0/1 unit 0 description "to PE"',
        "set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/30",
    )


def test_secret_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCLE_SECRET_NETWORK_T", "s3cret-value")
    assert secrets.resolve("env:SOCLE_SECRET_NETWORK_T", tmp_path) == "s3cret-value"
    secret = tmp_path / "secrets" / "network" / "ce.secret"
    secret.parent.mkdir(parents=True)
    secret.write_text("from-file\n")
    os.chmod(secret, 0o644)
    with pytest.raises(secrets.SecretError) as refused:
        secrets.resolve("file:ce.secret", tmp_path)
    assert "0644" in str(refused.value) and "from-file" not in str(refused.value)
    os.chmod(secret, 0o600)
    assert secrets.resolve("file:ce.secret", tmp_path) == "from-file"
    with pytest.raises(secrets.SecretError, match="not set"):
        secrets.resolve("env:SOCLE_SECRET_NETWORK_T_MISSING", tmp_path)
    monkeypatch.setenv("SOCLE_T_SECRET", "s3cret-value")
    with pytest.raises(secrets.SecretError, match="SOCLE_SECRET_NETWORK_T_SECRET"):
        secrets.resolve("env:SOCLE_T_SECRET", tmp_path)  # out of the network namespace
    values = secrets.Secrets({"a": "s3cret-value"})
    assert "s3cret-value" not in repr(values)
    assert values.mask(values.reveal("x <<secret:a>> y")) == "x <<secret:a>> y"


def test_restoring_a_config_without_a_physical_interface_defaults_it() -> None:
    # IOS refuses `no interface GigabitEthernet0/3`: a rollback must default it instead.
    before = "hostname ce01\n!\ninterface GigabitEthernet0/1\n description MPLS\n!\nend\n"
    after = (before.replace("!\nend\n", "") + "!\ninterface GigabitEthernet0/3\n"
             " description THD\n ip address 10.1.0.5 255.255.255.252\n!\nend\n")
    undo = configdiff.compare("cisco_ios", after, before, Scope(everything=True), name="ce01")
    assert undo.lines == ("default interface GigabitEthernet0/3",)
