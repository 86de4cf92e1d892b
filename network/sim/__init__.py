"""Simulated CE routers for tests and the embedded demo (FakeNOS SSH + stateful CLIs).

The API is in `network.sim.routers` (SimulatedRouters, SimulatedDevice); it is not
re-exported here so that `python -m network.sim.routers` runs without a double import.
"""

from controlplane.simulation import Simulator

SIMULATORS = (
    Simulator(
        name="network-routers",
        module="network.sim.routers",
        args=("--count", "4", "--platforms", "cisco_ios,juniper_junos"),
        description="4 CE routers over SSH (FakeNOS; IOS and Junos, stateful config)",
    ),
    Simulator(
        name="network-snmp-agents",
        module="network.sim.snmp_agents",
        # Gi0/0 down 3 minutes in every 30: a poll every 30 s sees whole down minutes,
        # so the demo circuits show about 90 % availability and breach their SLA.
        args=("--count", "4", "--interfaces", "8", "--flap-period", "1800", "--flap-down", "180"),
        description="4 SNMP agents over UDP (snmpsim; v2c + v3 SHA/AES, IF-MIB, Gi0/0 down "
        "3 min every 30)",
    ),
    Simulator(
        name="network-probe-reflector",
        module="network.sim.reflector",
        args=("--delay-ms", "12", "--loss", "0.005"),
        description="UDP probe reflector (TWAMP-light style; 12 ms added delay, 0.5 % loss)",
    ),
)
