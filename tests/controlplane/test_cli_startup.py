"""``socle`` starts without importing the heavy libraries only some commands use.

Every operator command and every script calling ``socle ... --json`` pays for what
``controlplane.cli.main`` imports: driver libraries (netmiko, boto3, ansible_runner,
pysnmp, pulumi), document writers (openpyxl, python-docx), FastAPI and Alembic are
imported where they are used, and a plane's CLI (with the plane) only when ``socle
<plane> ...`` runs. The checks run in a fresh interpreter (this one has imported
everything already).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import typer

from controlplane import plugins

DEFERRED = frozenset(
    {
        "alembic",
        "ansible_runner",
        "boto3",
        "docx",
        "fastapi",
        "netmiko",
        "openpyxl",
        "pulumi",
        "pysnmp",
        "starlette",
    }
)

_PROBE = (
    "import json, sys\n"
    "import controlplane.cli.main\n"
    "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
)


def _imported_at_start() -> set[str]:
    """Top-level packages a fresh interpreter holds after importing the CLI."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_the_cli_imports_no_heavy_library_at_start() -> None:
    imported = _imported_at_start()
    assert "typer" in imported and "sqlalchemy" in imported  # the probe saw the CLI load
    assert sorted(imported & DEFERRED) == []


PLANES = frozenset(plugins.PLANES)

_SOCLE_PROBE = (
    "import json, sys\n"
    "from controlplane.cli.main import app\n"
    "try:\n"
    "    app(sys.argv[1:], prog_name='socle')\n"
    "except SystemExit as exit:\n"
    "    code = exit.code\n"
    "print(json.dumps([code, sorted({m.split('.')[0] for m in sys.modules})]))\n"
)


def _socle(*args: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """Output of ``socle ARGS`` in a fresh interpreter (it must succeed), and the
    top-level packages that interpreter imported."""
    wide = {**os.environ, **(env or {}), "COLUMNS": "200", "TERMINAL_WIDTH": "200"}
    done = subprocess.run(
        [sys.executable, "-c", _SOCLE_PROBE, *args],
        capture_output=True, text=True, check=True, env=wide,
    )
    *output, last = done.stdout.splitlines()
    code, modules = json.loads(last)
    assert code in (0, None), done.stdout + done.stderr
    return "\n".join(output), set(modules)


def test_the_root_help_lists_every_plane_without_importing_one() -> None:
    output, imported = _socle("--help")
    assert sorted(imported & PLANES) == []
    for plane, summary in plugins.PLANE_CLI_HELP.items():
        assert f"│ {plane} " in output and summary in output


def test_the_static_plane_help_is_each_plane_cli_help() -> None:
    for plane, summary in plugins.PLANE_CLI_HELP.items():
        plane_app = plugins.plane_cli(plane)
        assert plane_app is not None, plane
        assert typer.main.get_group(plane_app).help == summary, plane
    assert set(plugins.PLANE_CLI_HELP) == PLANES


def test_a_plane_command_imports_that_plane_only() -> None:
    output, imported = _socle("network", "--help")
    assert "network" in imported and sorted(imported & (PLANES - {"network"})) == []
    plane_app = plugins.plane_cli("network")
    assert plane_app is not None
    commands = typer.main.get_group(plane_app).commands
    assert {"plan", "apply", "site", "sla"} <= set(commands)
    assert all(f"│ {name} " in output for name in commands)


@pytest.mark.parametrize("command", [["tenant", "list", "--json"], ["job", "list", "--json"]])
def test_control_plane_commands_import_no_plane(database_url: str, command: list[str]) -> None:
    output, imported = _socle(*command, env={"SOCLE_DATABASE_URL": database_url})
    assert json.loads(output) == []
    assert sorted(imported & PLANES) == []
