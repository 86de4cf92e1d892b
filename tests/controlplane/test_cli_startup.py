"""``socle`` starts without importing the heavy libraries only some commands use.

Every operator command and every script calling ``socle ... --json`` pays for what
``controlplane.cli.main`` imports: driver libraries (netmiko, boto3, ansible_runner,
pysnmp, pulumi), document writers (openpyxl, python-docx), FastAPI and Alembic are
imported where they are used. The check runs in a fresh interpreter (this one has
imported everything already).
"""

from __future__ import annotations

import json
import subprocess
import sys

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
