"""Arista EOS: the intended configuration rendered from ``arista_eos.j2`` and compared
with a running configuration as EOS shows it (three-space indents, ``!`` separators)."""

from __future__ import annotations

import dataclasses
import re
from ipaddress import IPv4Network, IPv6Network

from network import secrets
from network.config import configdiff, render
from network.config.configdiff import Scope
from network.drivers.ssh import PLATFORMS
from network.inventory.platforms import Platform
from network.inventory.schemas import CircuitStatus, CosProfile

VRF = render.Vrf("T-GFU", "65010:100", ("65010:100", "65010:1"), ("65010:100", "65010:2"))
CIRCUIT = render.CircuitView(
    ref="CIR-9", provider="op", access="THD", status=CircuitStatus.ACTIVE,
    interface="Ethernet1", vlan=100, cos_profile=CosProfile.REALTIME,
    committed_mbps=50, bandwidth_mbps=1000, vrf=VRF, interconnect=IPv4Network("10.1.0.8/30"),
    pe="pe-2", pe_asn=65010,
)
DEVICE = render.DeviceView(
    hostname="ce-eos-1", platform=Platform.ARISTA_EOS, asn=65201, site="S-9",
    lan_interface="Ethernet2", lan=IPv4Network("10.64.9.0/24"), circuits=(CIRCUIT,),
    mgmt_networks=(IPv4Network("10.255.0.0/16"), IPv4Network("192.0.2.0/24")),
    snmp_user="socle-mon",
)
FACTORY = """! Command: show running-config
! device: ce-eos-1 (vEOS-lab, EOS-4.30.1F)
!
hostname localhost
!
username admin privilege 15 role network-admin secret sha512 $6$x
!
interface Ethernet1
!
interface Ethernet2
!
interface Management1
   ip address 198.18.0.9/24
!
end
"""


def intended() -> tuple[str, Scope]:
    context = render.build_context(DEVICE)
    return render.render(context), Scope(tuple(context.owned_interfaces))


def test_eos_template_spells_the_intent_in_eos_syntax() -> None:
    text, scope = intended()
    lines = text.splitlines()
    assert scope.interfaces == ("Ethernet1.100", "Ethernet2")
    for expected in (
        "hostname ce-eos-1",
        "vrf instance T-GFU",
        "ip routing vrf T-GFU",
        "interface Ethernet1.100",
        "   encapsulation dot1q vlan 100",
        "   vrf T-GFU",
        "   ip address 10.1.0.9/30",  # the CE: first host of the interconnect
        "   shape rate 50000 kbps",
        "   service-policy type qos input SOCLE-QOS-REALTIME",
        "router bgp 65201",
        "   router-id 10.64.9.1",
        "      rd 65010:100",
        "      route-target import vpn-ipv4 65010:1",
        "      route-target export vpn-ipv4 65010:2",
        "      neighbor 10.1.0.10 remote-as 65010",
        "      network 10.64.9.0/24",
        "         neighbor 10.1.0.10 activate",
        "   10 permit 10.255.0.0/16",
        "   20 permit 192.0.2.0/24",
        "   30 deny any log",
        "   ip access-group SOCLE-MGMT in",
        "snmp-server ipv4 access-list SOCLE-MGMT",
    ):
        assert expected in lines, expected
    user = next(line for line in lines if line.startswith("snmp-server user "))
    assert user == ("snmp-server user socle-mon SOCLE-MON v3 auth sha "
                    f"{secrets.placeholder(secrets.SNMP_AUTH)} priv aes "
                    f"{secrets.placeholder(secrets.SNMP_PRIV)}")


def test_eos_plan_from_factory_pushes_the_owned_part_and_in_sync_after() -> None:
    text, scope = intended()
    found = configdiff.compare("arista_eos", FACTORY, text, scope, name="ce-eos-1")
    lines = list(found.lines)
    assert lines[:2] == ["no hostname localhost", "hostname ce-eos-1"]
    at = lines.index("router bgp 65201")
    assert lines[at + 1:at + 4] == ["   router-id 10.64.9.1", "   no bgp default ipv4-unicast",
                                    "   vrf T-GFU"]
    assert not any("Management1" in line for line in lines)  # not Socle's: left alone
    assert "+hostname ce-eos-1" in found.diff and "-hostname localhost" in found.diff

    running = "! Command: show running-config\n!\n" + text.replace(  # after the push
        "end\n", "interface Management1\n   ip address 198.18.0.9/24\n!\nend\n")
    assert configdiff.compare("arista_eos", running, text, scope, name="ce-eos-1").in_sync


def test_eos_changes_become_no_lines_in_their_section_and_keys_stay_masked() -> None:
    text, scope = intended()
    drifted = text.replace("      neighbor 10.1.0.10 remote-as 65010",
                           "      neighbor 10.1.0.10 remote-as 65099").replace(
        "   vrf T-GFU\n   ip address 10.64.9.1/24", "   vrf OLD\n   ip address 10.64.9.1/24")
    drifted += "vrf instance OLD\n!\n"
    found = configdiff.compare("arista_eos", drifted, text, scope, name="ce-eos-1")
    lines = list(found.lines)
    assert "no vrf instance OLD" in lines
    assert lines[:2] == ["interface Ethernet2", "   no vrf OLD"]  # removals first
    again = lines.index("interface Ethernet2", 1)  # a VRF change drops the address on EOS
    assert lines[again + 1:again + 3] == ["   vrf T-GFU", "   ip address 10.64.9.1/24"]
    bgp = lines.index("router bgp 65201", again)
    assert lines[bgp + 1:] == ["   vrf T-GFU", "      neighbor 10.1.0.10 remote-as 65010",
                               "      neighbor 10.1.0.10 description pe-2 CIR-9"]

    shown = text.replace(secrets.placeholder(secrets.SNMP_AUTH), "0x7a3f9e").replace(
        secrets.placeholder(secrets.SNMP_PRIV), "0x11bb02")
    masked = configdiff.mask("arista_eos", shown, secrets.Secrets({}))
    assert "0x7a3f9e" not in masked and "0x11bb02" not in masked
    assert f"auth sha {secrets.UNKNOWN} priv aes {secrets.UNKNOWN}" in masked


def test_eos_subinterface_without_vlan_is_a_routed_port() -> None:
    plain = dataclasses.replace(DEVICE, circuits=(dataclasses.replace(CIRCUIT, vlan=None),))
    text = render.render(render.build_context(plain))
    section = text.split("interface Ethernet1\n")[1].split("!")[0]
    assert "   no switchport" in section and "encapsulation" not in section


def test_eos_loopback_and_ipv6_lan_from_factory_then_in_sync() -> None:
    device = dataclasses.replace(DEVICE, loopback=IPv4Network("10.250.0.9/32"),
                                 lan6=IPv6Network("2001:db8:100:9::/64"))
    context = render.build_context(device)
    text, scope = render.render(context), Scope(tuple(context.owned_interfaces))
    assert ("interface Loopback0\n   description Loopback S-9\n   vrf T-GFU\n"
            "   ip address 10.250.0.9/32\n!\n") in text  # a loopback is no switch port
    lan = text.split("interface Ethernet2\n")[1].split("!")[0].splitlines()
    assert lan[-2:] == ["   ip address 10.64.9.1/24", "   ipv6 address 2001:db8:100:9::1/64"]
    assert "ip routing vrf T-GFU\nipv6 unicast-routing vrf T-GFU\n" in text
    assert "      network 10.64.9.0/24\n      network 10.250.0.9/32\n" in text

    lines = configdiff.compare("arista_eos", FACTORY, text, scope, name="ce-eos-1").lines
    assert "ipv6 unicast-routing vrf T-GFU" in lines and "interface Loopback0" in lines
    running = "! Command: show running-config\n!\n" + text
    assert configdiff.compare("arista_eos", running, text, scope, name="ce-eos-1").in_sync


def test_the_ssh_driver_knows_how_eos_shows_its_configuration_and_refuses_a_line() -> None:
    cli = PLATFORMS["arista_eos"]
    assert cli.show_config == "show running-config" and not cli.commits
    for refusal in ("% Invalid input (at token 1: 'frobnicate')", "% Incomplete command",
                    "% Ambiguous command"):
        assert re.search(cli.error_pattern, refusal)
    assert not re.search(cli.error_pattern, "ce-eos-1(config-if-Et1)#")
