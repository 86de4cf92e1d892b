"""The names of the faults the network's simulators honour, and what each does to the
endpoints it holds (see controlplane.relay): no import beyond the standard library, so
every simulator process can read them."""

from __future__ import annotations

BGP_DOWN = "bgp-down"  # a router's BGP session stays Active
CIRCUIT_DOWN = "circuit-down"  # everything reached over the access goes silent
SLOW_LINK = "slow-link"  # the probes over the access are delayed and lost
SNMP_AUTH = "snmp-auth"  # the device's SNMP agent refuses Socle's credentials
INTERFACE_DOWN = "interface-down"  # one interface down, the device still answers

#: What each fault does to a relayed endpoint (an SNMP agent, a probe reflector, SSH).
BEHAVIOURS = {CIRCUIT_DOWN: "silent", INTERFACE_DOWN: "silent", SLOW_LINK: "slow",
              SNMP_AUTH: "tamper"}
