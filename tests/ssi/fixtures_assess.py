"""Fixtures shared by the assessment-side SSI tests (campaigns, risk studies, PSSI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from controlplane.settings import Settings
from tests.ssi.samples import CHECKLIST, write


@pytest.fixture
def mini_flash(settings: Settings) -> Path:
    """The small hand-computable checklist ``mini-flash 1.0`` (see tests/ssi/samples.py),
    added as an operator framework under ``SOCLE_DATA_DIR/frameworks``. Request it before
    ``client`` so the application loads it at start."""
    return write(settings.data_dir / "frameworks", "mini-flash/1.0.yaml", CHECKLIST)
