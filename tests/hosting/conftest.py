"""The simulated providers (two SeaweedFS S3 servers, one moto EC2), started once per
session (~8 s) and shared by every hosting test that talks to a real provider. Their
relays read ``providers.faults``; a fault test points it at its region's faults file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from controlplane.faults import FaultBook
from hosting.sim.providers import SimulatedProviders


@pytest.fixture(scope="session")
def providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatedProviders]:
    base = tmp_path_factory.mktemp("providers")
    with SimulatedProviders(base, faults=FaultBook(base / "faults.json")) as sim:
        yield sim
