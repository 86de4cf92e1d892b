"""Settings from a TOML file and the environment; a live ``socle serve`` with its worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from controlplane import jobs
from controlplane.auth import Role, issue_token
from controlplane.db import Database, Scope
from controlplane.settings import Settings, get_settings
from tests.support.postgres import free_port

REPO = Path(__file__).resolve().parents[2]


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


def test_live_server_runs_jobs_with_its_embedded_worker(database: Database, settings: Settings,
                                                        tmp_path: Path) -> None:
    with database.transaction(scope=Scope.unrestricted()) as db:
        token = issue_token(db, name="live", role=Role.GCS_OPERATOR, tenant=None).secret
        job_id = jobs.enqueue(db, kind="test.quick", actor="t",
                              params={"marker": str(tmp_path / "m"), "release": ""}).id
    port = free_port()
    env = {**os.environ, "SOCLE_EMBEDDED_WORKER": "true", "SOCLE_WORKER_POLL_SECONDS": "0.1",
           "PYTHONPATH": str(REPO), "SOCLE_LOG_LEVEL": "warning"}
    server = subprocess.Popen([sys.executable, "-m", "controlplane.cli", "serve", "--port",
                               str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        state = None
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"{base}/api/v1/jobs/{job_id}",
                                   headers={"Authorization": f"Bearer {token}"})
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            state = answer.json()["state"]
            if state == "succeeded":
                break
            time.sleep(0.1)
        assert state == "succeeded"
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        assert "socle_jobs" in httpx.get(f"{base}/metrics").text
    finally:
        server.terminate()
        server.wait(timeout=30)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells why
    assert server.returncode in (0, -15)
    assert server.stderr is not None and b"Traceback" not in server.stderr.read()
