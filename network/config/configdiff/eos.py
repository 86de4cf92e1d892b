"""Arista EOS: the IOS comparison (:mod:`network.config.configdiff.ios`) with EOS's section names.

Socle owns the hostname, its VRFs (``vrf instance``, ``ip routing vrf`` and ``ipv6
unicast-routing vrf``), BGP, the SNMP lines, the SSH management ACL and the QoS maps and
ACLs named ``SOCLE-``; the interfaces it configures come from the scope.
"""

from __future__ import annotations

import re

from network.config.configdiff import ios
from network.config.configdiff.base import ConfigDiff, Scope

EOS = ios.Dialect(
    parser="arista_eos",
    owned=re.compile(
        r"^(?:hostname |vrf instance |ip routing vrf |ipv6 unicast-routing vrf |router bgp "
        r"|snmp-server |management ssh$"
        r"|class-map type qos (?:match-\S+ )?SOCLE-|policy-map type quality-of-service SOCLE-"
        r"|ip access-list (?:standard )?SOCLE-)"
    ),
    secrets=ios.SECRETS,  # EOS prints its secrets as IOS does (`secret sha512 H`, `key 7 K`...)
)


def mask(text: str) -> str:
    """Mask every secret Socle does not know (known ones are placeholders already)."""
    return ios.mask(text, EOS)


def compare(running: str, intended: str, scope: Scope, *, name: str) -> ConfigDiff:
    """Running versus intended EOS configuration on ``scope``."""
    return ios.compare(running, intended, scope, name=name, dialect=EOS)
