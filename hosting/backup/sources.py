"""Which folders a backup may read.

A backup policy names a folder (``source_path``) that restic reads with Socle's
credentials and sends to the providers, where the establishment can restore it: a
folder holding Socle's own secrets or the host's would hand them over. So a source is
refused when it is, or lies inside:

- Socle's data directory (its database, keys and secret files), always;
- a system folder (:data:`SYSTEM`: kernel and process views, devices, host
  configuration and credentials);
- anything outside ``SOCLE_HOSTING_BACKUP_SOURCE_ROOTS`` when that setting names roots.

The path is checked as written when the policy is set (422 naming ``source_path``) and
again, resolved on the host that reads it (``readlink -f``, symbolic links followed),
before every backup, so a link planted later does not lead out.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from pathlib import Path

from controlplane.errors import InvalidInput
from controlplane.settings import Settings, get_settings
from hosting.drivers.restic_executors import Executor
from hosting.drivers.restic_records import ResticError

#: Folders no backup reads, on any host.
SYSTEM = ("/proc", "/sys", "/dev", "/run", "/boot", "/etc", "/root", "/var/run")


def _inside(path: str, folder: str) -> bool:
    folder = folder.rstrip("/") or "/"
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def roots(settings: Settings) -> list[str]:
    """The allowed roots (none: any folder outside the refused ones)."""
    return [posixpath.normpath(r.strip()) for r in settings.hosting_backup_source_roots.split(",")
            if r.strip()]


def problem(path: str, *, data_dir: Path, allowed: Sequence[str]) -> str | None:
    """Why a backup may not read ``path`` (absolute), or None."""
    normal = posixpath.normpath(path)
    mine = posixpath.normpath(str(data_dir.resolve()))
    if _inside(normal, mine) or _inside(mine, normal):
        return f"{normal} holds Socle's data directory ({mine}): its secrets are never backed up"
    system = next((folder for folder in SYSTEM if _inside(normal, folder)), None)
    if system is not None or normal == "/":
        return f"{normal} is a system folder ({system or '/'}): back up the application's data"
    if allowed and not any(_inside(normal, root) for root in allowed):
        return (f"{normal} is outside the folders backups may read "
                f"(SOCLE_HOSTING_BACKUP_SOURCE_ROOTS: {', '.join(allowed)})")
    return None


def check_declared(path: str) -> str:
    """``path`` as a policy may store it (normalised), else a 422 naming ``source_path``."""
    settings = get_settings()
    found = problem(path, data_dir=Path(settings.data_dir), allowed=roots(settings))
    if found is not None:
        raise InvalidInput.on("source_path", found)
    return posixpath.normpath(path)


def check_on_host(executor: Executor, path: str, *, timeout: float) -> str:
    """``path`` resolved on the host that reads it, refused as :func:`problem` says
    (raises :class:`ResticError` naming it: the backup fails, nothing read)."""
    done = executor.run(["readlink", "-f", "--", path], env={}, timeout=timeout)
    if done.returncode != 0 or not done.stdout.strip():
        raise ResticError(f"source {path} on {executor.where}: cannot be resolved: "
                          f"{done.stderr.strip()[-300:]}")
    resolved = done.stdout.strip()
    settings = get_settings()
    found = problem(resolved, data_dir=Path(settings.data_dir), allowed=roots(settings))
    if found is not None:
        raise ResticError(f"source {path} on {executor.where} resolves to {resolved}: {found}")
    return resolved
