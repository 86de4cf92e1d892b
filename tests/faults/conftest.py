"""Faults injected the way an operator does (``socle sim fault inject``), into simulators
that read the same faults file."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from controlplane.cli.main import app as cli

runner = CliRunner()


def sim_fault(*args: str, code: int = 0) -> Any:
    """Run ``socle sim fault ARGS`` (with ``--json`` where it takes it): its parsed JSON, or
    its output when it printed text."""
    result = runner.invoke(cli, ["sim", "fault", *args])
    assert result.exit_code == code, result.output
    try:
        return json.loads(result.stdout)
    except ValueError:
        return result.output
