"""Simulated HDS providers on loopback, for tests and the demo.

Two SeaweedFS servers stand for two S3 object-storage providers and a moto server for
an EC2-compatible compute API. The public API lives in the submodules:
``hosting.sim.providers`` (``SimulatedProviders``, the ``python -m`` entry point),
``hosting.sim.endpoints`` (``Endpoint``) and ``hosting.sim.state`` (state file).
Only the simulator declaration is here (no submodule import), so that
``python -m hosting.sim.providers`` runs cleanly.
"""

from controlplane.simulation import Simulator

SIMULATORS = (
    Simulator(
        name="hosting-providers",
        module="hosting.sim.providers",
        args=("--dir", "{sim_dir}/hosting-providers"),
        description="2 HDS providers' S3 (SeaweedFS, Object Lock) and an EC2 endpoint (moto)",
        ready_timeout=120.0,
    ),
)
