"""The apps tests read the shipped catalogue plus ``tests/apps/catalog`` (a broken
release of identity, two services in a dependency cycle)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.catalogue import service as catalogue

TEST_CATALOG = Path(__file__).parent / "catalog"


@pytest.fixture(autouse=True)
def test_catalog(monkeypatch: pytest.MonkeyPatch) -> Iterator[catalogue.Catalog]:
    monkeypatch.setenv(catalogue.CATALOG_ENV, str(TEST_CATALOG))
    yield catalogue.current()
