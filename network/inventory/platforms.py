"""Supported device platforms and the names their interfaces may take.

One table per platform, so adding a platform (or an interface family) is one entry here
and its templates. Names are checked as the platform's CLI spells them in full or in
its usual abbreviation, with an optional ``.N`` sub-interface.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Platform(StrEnum):
    """Network operating systems Socle renders configuration for (netmiko device types)."""

    CISCO_IOS = "cisco_ios"
    JUNIPER_JUNOS = "juniper_junos"
    ARISTA_EOS = "arista_eos"


_SUBINTERFACE = r"(\.\d{1,5})?"

INTERFACE_PATTERNS: dict[Platform, re.Pattern[str]] = {
    Platform.CISCO_IOS: re.compile(
        r"^(GigabitEthernet|TenGigabitEthernet|FastEthernet|Ethernet|Serial|Port-channel"
        r"|Loopback|Tunnel|Vlan|Dialer|BDI|Gi|Te|Fa|Et|Po|Lo|Tu)\d{1,4}(/\d{1,4}){0,3}"
        + _SUBINTERFACE
        + "$"
    ),
    Platform.JUNIPER_JUNOS: re.compile(
        r"^((ge|xe|et|fe|gr|lt|so)-\d{1,2}/\d{1,2}/\d{1,3}(:\d)?|(ae|lo|fxp|em|reth)\d{1,3}"
        r"|irb|vlan)" + _SUBINTERFACE + "$"
    ),
    Platform.ARISTA_EOS: re.compile(
        r"^(Ethernet|Port-Channel|Loopback|Vlan|Management|Tunnel|Et|Po|Lo|Ma)"
        r"\d{1,4}(/\d{1,4}){0,2}" + _SUBINTERFACE + "$"
    ),
}

INTERFACE_EXAMPLES: dict[Platform, str] = {
    Platform.CISCO_IOS: "GigabitEthernet0/0/1 or Gi0/1.100",
    Platform.JUNIPER_JUNOS: "ge-0/0/1 or ge-0/0/1.100",
    Platform.ARISTA_EOS: "Ethernet1 or Ethernet3/1.100",
}


def interface_error(platform: Platform, name: str) -> str | None:
    """Why ``name`` is not an interface of ``platform`` (None when it is one)."""
    if INTERFACE_PATTERNS[platform].match(name):
        return None
    return (
        f"{name!r} is not a {platform.value} interface name (e.g. {INTERFACE_EXAMPLES[platform]})"
    )
