"""The simulated providers (two SeaweedFS S3 servers, one moto EC2), started once per
session (~8 s) and shared by every hosting test that talks to a real provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hosting.sim.providers import SimulatedProviders


@pytest.fixture(scope="session")
def providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatedProviders]:
    with SimulatedProviders(tmp_path_factory.mktemp("providers")) as sim:
        yield sim
