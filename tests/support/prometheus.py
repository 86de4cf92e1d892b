"""A real Prometheus (Debian's) with Socle's shipped configuration and alert rules,
scraping a test API, for tests that check what fires.

The shipped ``monitoring/prometheus.yml`` is used as it is but for the target (the test
server), the intervals (one second) and the rule files. With ``seconds_for_minutes``
the rules are copied with every ``for:`` duration read in seconds instead of minutes
(``for: 2m`` becomes ``for: 2s``): the same expressions and the same waits, sixty times
faster, so an alert can be seen *firing* within a test.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from controlplane.api.app import METRICS_TOKEN_FILE
from tests.support.apphosts import free_port

MONITORING = Path(__file__).resolve().parents[2] / "monitoring"
WAIT_SECONDS = 60.0
_FOR_MINUTES = re.compile(r"^(\s+for:\s*)(\d+)m\s*$", re.M)


def _rule_files(tmp_path: Path, patterns: list[str], seconds_for_minutes: bool) -> list[str]:
    if not seconds_for_minutes:
        return [str(MONITORING / pattern) for pattern in patterns]
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    for pattern in patterns:
        for shipped in sorted(MONITORING.glob(pattern)):
            (folder / shipped.name).write_text(
                _FOR_MINUTES.sub(r"\g<1>\g<2>s", shipped.read_text()))
    return [str(folder / "*.yml")]


def configuration(api: str, tmp_path: Path, *, data_dir: Path,
                  seconds_for_minutes: bool = False) -> Path:
    """The shipped configuration, scraping the test API each second with the scrape
    token of its data directory."""
    shipped = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    shipped["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    shipped["rule_files"] = _rule_files(tmp_path, shipped["rule_files"], seconds_for_minutes)
    (api_job,) = [job for job in shipped["scrape_configs"] if job["job_name"] == "socle-api"]
    api_job["static_configs"] = [{"targets": [api.removeprefix("http://")]}]
    api_job["authorization"]["credentials_file"] = str(data_dir.resolve() / METRICS_TOKEN_FILE)
    shipped["scrape_configs"] = [api_job]
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(shipped))
    return path


@contextmanager
def running_prometheus(api: str, tmp_path: Path, *, data_dir: Path,
                       seconds_for_minutes: bool = False) -> Iterator[str]:
    """Prometheus scraping the API at ``api`` (whose data directory is ``data_dir``);
    yields its base URL."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus not found: apt-get install prometheus (scripts/system-deps.sh)")
    port = free_port()
    config = configuration(api, tmp_path, data_dir=data_dir,
                           seconds_for_minutes=seconds_for_minutes)
    with (tmp_path / "prometheus.log").open("w") as log:
        process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


def ask(prometheus: str, path: str) -> Any:
    """The ``data`` of a Prometheus HTTP API answer (None while it cannot answer)."""
    try:
        with urllib.request.urlopen(f"{prometheus}{path}", timeout=5) as answer:
            return json.load(answer)["data"]
    except OSError:
        return None


def alerts(prometheus: str) -> list[dict[str, Any]]:
    """The alerts Prometheus holds now (pending and firing)."""
    return list((ask(prometheus, "/api/v1/alerts") or {}).get("alerts", []))


def alerts_by_name(prometheus: str, wanted: set[str]) -> dict[str, list[dict[str, Any]]]:
    """The alerts Prometheus holds once all of ``wanted`` are firing or pending."""
    deadline = time.monotonic() + WAIT_SECONDS
    found: dict[str, list[dict[str, Any]]] = {}
    while time.monotonic() < deadline:
        found = {}
        for alert in alerts(prometheus):
            found.setdefault(alert["labels"]["alertname"], []).append(alert)
        if wanted <= set(found):
            return found
        time.sleep(0.5)
    pytest.fail(f"alerts {sorted(wanted - set(found))} never came; Prometheus had {found}")


def firing(prometheus: str, name: str, **labels: str) -> dict[str, Any]:
    """Wait until the alert ``name`` with ``labels`` fires; return it."""
    deadline = time.monotonic() + WAIT_SECONDS
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        seen = alerts(prometheus)
        for alert in seen:
            if (alert["labels"]["alertname"] == name and alert["state"] == "firing"
                    and labels.items() <= alert["labels"].items()):
                return alert
        time.sleep(0.5)
    pytest.fail(f"{name} {labels} never fired; Prometheus had {seen}")
