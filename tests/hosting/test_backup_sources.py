"""A backup policy cannot read Socle's secrets or the host's (issue 16, item 3): an
operator's ``source_path`` of ``/etc``, ``/proc/self/environ`` or Socle's data directory
was accepted and backed up to the providers, where the establishment could restore it.
Refused when set (422 naming ``source_path``) and, resolved on the host, before every
backup (a symbolic link planted later fails the backup, nothing read)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database
from controlplane.settings import Settings, get_settings
from hosting.backup.sources import problem
from hosting.sim.providers import SimulatedProviders
from tests.conftest import TokenFactory
from tests.hosting.conftest import providers  # noqa: F401  (the simulated providers)
from tests.hosting.test_backups import HOST, backed, run  # noqa: F401


@pytest.mark.parametrize(("path", "why"), [
    ("/etc", "system folder (/etc)"),
    ("/proc/self/environ", "system folder (/proc)"),
    ("/srv/app/../../etc/ssl", "system folder (/etc)"),
    ("/", "Socle's data directory"),  # holds it too
    ("/var/lib/socle", "Socle's data directory"),
    ("/var/lib/socle/secrets/hosting", "Socle's data directory"),
    ("/var/lib", "Socle's data directory"),  # holds it
    ("/home/app", "outside the folders backups may read"),
])
def test_refused_sources_say_why(path: str, why: str) -> None:
    found = problem(path, data_dir=Path("/var/lib/socle"), allowed=["/srv"])
    assert found is not None and why in found


def test_sources_under_the_allowed_roots_pass() -> None:
    assert problem("/srv/dpi/exports", data_dir=Path("/var/lib/socle"), allowed=["/srv"]) is None
    assert problem("/srv/dpi", data_dir=Path("/var/lib/socle"), allowed=[]) is None


def test_a_policy_on_secrets_is_refused_naming_the_field(
    backed: dict[str, Any], client: TestClient, auth: TokenFactory,  # noqa: F811
    settings: Settings,
) -> None:
    url = f"{HOST}/subscriptions/{backed['subscription']['id']}/backup-policy"
    for path in ("/etc", "/proc/self/environ", str(Path(settings.data_dir).resolve()),
                 str(Path(settings.data_dir).resolve() / "secrets" / "hosting")):
        refused = client.put(url, json={"source_path": path}, headers=auth(Role.GCS_OPERATOR))
        assert refused.status_code == 422, refused.text
        (error,) = refused.json()["errors"]
        assert error["field"] == "source_path"
    kept = client.get(url, headers=auth(Role.GCS_OPERATOR)).json()
    assert kept["source_path"] == str(backed["source"])  # nothing changed


def test_a_link_planted_after_the_policy_fails_the_backup(
    backed: dict[str, Any], providers: SimulatedProviders,  # noqa: F811
    client: TestClient, auth: TokenFactory, database: Database, settings: Settings,
) -> None:
    source: Path = backed["source"]
    shutil.rmtree(source)
    source.symlink_to(Path(settings.data_dir).resolve(), target_is_directory=True)
    own = auth(Role.ESTABLISHMENT, backed["tenant"])
    started = client.post(f"{HOST}/subscriptions/{backed['subscription']['id']}/backup",
                          headers=own)
    job = run(client, database, auth, started.json()["job"]["id"])
    assert job["state"] == "failed" and "copy 0 (failed)" in job["error"]
    runs = client.get(f"{HOST}/backups/runs", headers=own).json()["items"]
    assert runs and {r["state"] for r in runs} == {"failed"}  # no snapshot of the secrets
    assert all("resolves to" in r["error"] and "Socle's data directory" in r["error"]
               for r in runs), runs


def test_roots_restrict_further(
    backed: dict[str, Any], client: TestClient, auth: TokenFactory,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setenv("SOCLE_HOSTING_BACKUP_SOURCE_ROOTS", str(tmp_path / "allowed"))
    get_settings.cache_clear()
    url = f"{HOST}/subscriptions/{backed['subscription']['id']}/backup-policy"
    refused = client.put(url, json={"source_path": str(backed["source"])},
                         headers=auth(Role.GCS_OPERATOR))
    assert refused.status_code == 422 and "SOCLE_HOSTING_BACKUP_SOURCE_ROOTS" in refused.text
    (tmp_path / "allowed" / "dpi").mkdir(parents=True)
    accepted = client.put(url, json={"source_path": str(tmp_path / "allowed" / "dpi")},
                          headers=auth(Role.GCS_OPERATOR))
    assert accepted.status_code == 200, accepted.text
