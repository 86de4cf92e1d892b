"""CLI start-up bench: how long ``socle`` takes before doing anything.

``python bench/cli_startup.py [RUNS]`` (RUNS defaults to 7; about a minute on 2 cores).

Each measure is a fresh process, timed from spawn to exit (wall clock, the operator's
wait): ``socle --help`` (``help_s``) and ``socle tenant list --json`` on an embedded
SQLite database migrated once beforehand with two establishments (``list_s``). The
figures are medians over RUNS, runs of the three commands interleaved so that a load
spike on the shared machine hits all of them alike.

Anchor, same run: ``python -c "import typer, sqlalchemy"`` in a fresh process
(``anchor_s``), the floor any Typer + SQLAlchemy command line pays before its own code.
The last line is ``bench cli_startup: help_s=... list_s=... anchor_s=... ratio=X`` with
X = list_s / anchor_s.

Figures on the 2-core development machine (loaded by other work), RUNS=5: before the
heavy imports were deferred ``help_s=5.257 list_s=4.529 anchor_s=0.528 ratio=8.57``;
after ``help_s=3.505 list_s=3.020 anchor_s=0.475 ratio=6.36``. Then each plane's CLI
(with its models, schemas and job kinds) imported only when ``socle <plane>`` runs
(``controlplane/cli/planes.py``), both sides measured in one session on a busier
machine: before ``help_s=3.768 list_s=4.071 anchor_s=0.635 ratio=6.41``; after
``help_s=1.838 list_s=1.777 anchor_s=0.640 ratio=2.78``. What remains is the control
plane's own imports (SQLAlchemy and its models, the pydantic schemas, Typer and Rich:
~0.85 s in process) and Typer building its commands.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

PYTHON = sys.executable
SOCLE = [PYTHON, "-m", "controlplane.cli"]


def _run(command: Sequence[str], env: Mapping[str, str]) -> float:
    """Wall seconds of one fresh process running ``command``; it must succeed."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()[-2000:]}")
    return elapsed


def main(runs: int) -> None:
    """Time the three commands ``runs`` times each and print the bench line."""
    with tempfile.TemporaryDirectory(prefix="socle-bench-cli-") as tmp:
        env = {
            **os.environ,
            "SOCLE_DATABASE_URL": f"sqlite:///{Path(tmp) / 'socle.db'}",
            "SOCLE_DATA_DIR": tmp,
        }
        env.pop("SOCLE_CONFIG", None)
        _run([*SOCLE, "db", "upgrade"], env)
        for finess, name in (("750712184", "AP-HP"), ("690781810", "HCL Lyon")):
            create = ["tenant", "create", "--finess", finess, "--name", name, "--kind", "ES"]
            _run([*SOCLE, *create, "--json"], env)
        help_s, list_s, anchor_s = [], [], []
        for _ in range(runs):
            help_s.append(_run([*SOCLE, "--help"], env))
            list_s.append(_run([*SOCLE, "tenant", "list", "--json"], env))
            anchor_s.append(_run([PYTHON, "-c", "import typer, sqlalchemy"], env))
    help_m, list_m, anchor_m = (statistics.median(s) for s in (help_s, list_s, anchor_s))
    print(f"runs={runs}, medians over fresh processes (wall seconds)")
    print(
        f"bench cli_startup: help_s={help_m:.3f} list_s={list_m:.3f} "
        f"anchor_s={anchor_m:.3f} ratio={list_m / anchor_m:.2f}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
