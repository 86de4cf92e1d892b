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
)
