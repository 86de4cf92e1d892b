"""Settings from a TOML file and the environment; a live ``socle serve`` with its worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from controlplane import jobs
from controlplane.auth import Role, issue_token
from controlplane.db import Database, Scope
from controlplane.settings import Settings, get_settings
from tests.support.postgres import free_port

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def test_toml_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "socle.toml"
    config.write_text('port = 9100\nlog_level = "DEBUG"\ndata_dir = "/srv/socle"\n')
    monkeypatch.setenv("SOCLE_CONFIG", str(config))
    monkeypatch.setenv("SOCLE_PORT", "9200")
    monkeypatch.delenv("SOCLE_DATA_DIR", raising=False)
    settings = Settings()
    assert settings.port == 9200  # the environment wins
    assert settings.log_level == "DEBUG" and str(settings.data_dir) == "/srv/socle"
    get_settings.cache_clear()


#: A backstop against a server that hangs, never a timing expectation: every wait below
#: ends as soon as what it waits for is observed (the server answers, the job ends), or
#: at once if the server exits. A loaded machine may take tens of seconds to start it.
HANG_BACKSTOP = 600.0
TERMINAL = ("succeeded", "failed", "cancelled")


def _until(what: str, server: subprocess.Popen[bytes], stderr: Path,
           probe: Callable[[], T | None]) -> T:
    """Call ``probe`` until it returns something; fail at once if the server exits."""
    deadline = time.monotonic() + HANG_BACKSTOP
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"socle serve exited ({server.returncode}) while waiting for {what}:\n"
                        f"{stderr.read_text(errors='replace')}")
        try:
            found = probe()
        except httpx.TransportError:  # not listening yet, or too busy to answer in time
            found = None
        if found is not None:
            return found
        time.sleep(0.1)
    pytest.fail(f"socle serve still running but no {what} after {HANG_BACKSTOP:.0f} s "
                "(hung?):\n" + stderr.read_text(errors="replace"))


def _scrape_headers(data_dir: Path) -> dict[str, str]:
    """The scrape token's header when the server keeps one in its data directory."""
    token = data_dir / "metrics-scrape.token"
    return {"Authorization": f"Bearer {token.read_text().strip()}"} if token.exists() else {}


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then wait for the graceful shutdown however slow (SIGKILL only if hung)."""
    server.terminate()
    try:
        server.wait(timeout=HANG_BACKSTOP)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        pytest.fail("socle serve did not stop on SIGTERM")


def test_live_server_runs_jobs_with_its_embedded_worker(database: Database, settings: Settings,
                                                        tmp_path: Path) -> None:
    """A real ``socle serve`` answers and its embedded worker runs a queued job.

    Robust on a loaded machine: nothing is timed, each step waits for the state it
    needs (the server's first answer, the job's end); the server's stderr goes to a
    file (a pipe nobody reads while it runs could fill and block it)."""
    with database.transaction(scope=Scope.unrestricted()) as db:
        token = issue_token(db, name="live", role=Role.GCS_OPERATOR, tenant=None).secret
        job_id = jobs.enqueue(db, kind="test.quick", actor="t",
                              params={"marker": str(tmp_path / "m"), "release": ""}).id
    port = free_port()
    env = {**os.environ, "SOCLE_EMBEDDED_WORKER": "true", "SOCLE_WORKER_POLL_SECONDS": "0.1",
           "PYTHONPATH": str(REPO), "SOCLE_LOG_LEVEL": "warning"}
    stderr = tmp_path / "serve.stderr"
    with stderr.open("wb") as sink:
        server = subprocess.Popen([sys.executable, "-m", "controlplane.cli", "serve", "--port",
                                   str(port)], env=env, stdout=subprocess.DEVNULL, stderr=sink)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            health = _until("answer at /healthz", server, stderr,
                            lambda: http.get("/healthz").json() or None)
            assert health == {"status": "ok"}
            headers = {"Authorization": f"Bearer {token}"}

            def ended() -> dict[str, Any] | None:
                job = http.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
                return job if job["state"] in TERMINAL else None

            job = _until(f"end of job {job_id}", server, stderr, ended)
            assert job["state"] == "succeeded", job
            metrics = http.get("/metrics", headers=_scrape_headers(settings.data_dir.resolve()))
            assert "socle_jobs" in metrics.text
    finally:
        _stop(server)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells why
    assert server.returncode in (0, -15)
    assert b"Traceback" not in stderr.read_bytes()
