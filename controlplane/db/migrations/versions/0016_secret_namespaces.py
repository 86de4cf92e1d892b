"""secrets: each plane's file: references move into SOCLE_DATA_DIR/secrets/<plane>/

From this revision a secret reference resolves only in the namespace of the plane that
owns it (:mod:`controlplane.secrets`): ``file:NAME`` is
``SOCLE_DATA_DIR/secrets/<plane>/NAME``, no longer ``SOCLE_DATA_DIR/NAME``. The schema
does not change; the files do. For every stored reference (and the network settings'
SNMPv3 key references) ``file:NAME`` is moved from the data directory's root into its
plane's directory (0700), its text left as it is:

- ``network_devices.credential_ref``, ``SOCLE_NETWORK_SNMP_AUTH_REF``/``_PRIV_REF`` →
  ``secrets/network/``;
- ``hosting_providers.credential_ref``, ``hosting_backup_policies.password_ref`` (with
  a rotation's ``.next``/``.previous`` files beside it) and ``executor.key_ref`` →
  ``secrets/hosting/``;
- ``apps_targets.ssh_key_ref``, ``apps_deployments.secret_refs`` → ``secrets/apps/``.

Idempotent: a file already in place is kept (never overwritten) and a missing one left
as it is (resolution reports it). What is never moved, with a warning naming each
(table, id, reference) that pointed at it: Socle's own files (the console's signing
key, the demo tokens, the SQLite database), and files whose name says which plane made
them (``restic-*``, ``demo-hds-*`` → hosting; ``demo-routers*``, ``demo-snmp-*`` →
network) for references from another plane: such references were the vulnerability
this revision closes. A file referenced from several planes is copied into each (with a
warning: check that each should read it). ``env:`` references outside their plane's
``SOCLE_SECRET_<PLANE>_`` prefix cannot be migrated: a warning names each (never a
value) and resolving them says what to rename.

The layout is written out here, not imported: a migration is a snapshot.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

from controlplane.db.base import JSONType
from controlplane.settings import get_settings

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

log = logging.getLogger("controlplane.db.migrations")  # not under "alembic" (a NullHandler)

SECRETS_DIR = "secrets"
_REFERENCE = re.compile(r"^(env|file):([A-Za-z0-9_][A-Za-z0-9._-]*)$")
#: Socle's own files at the data directory's root: no reference may have them.
RESERVED = frozenset({"console-secret.key", "demo-tokens.json"})
#: Files whose name says which plane made them.
OWNED = (("restic-", "hosting"), ("demo-hds-", "hosting"),
         ("demo-routers", "network"), ("demo-snmp-", "network"))
#: A restic password's companions during a rotation (hosting.backup.keys).
ROTATION_SUFFIXES = (".next", ".previous")

Found = tuple[str, str, str]  # (plane, where: "table id N" or a setting, reference)


def _rows(bind: sa.Connection, table: str, *columns: sa.ColumnClause[Any]) -> Iterator[Any]:
    query = sa.select(sa.column("id"), *columns).select_from(sa.table(table))
    yield from bind.execute(query.order_by(sa.column("id")))


def references(bind: sa.Connection) -> Iterator[Found]:
    """Every stored secret reference with the plane it belongs to."""
    for row in _rows(bind, "network_devices", sa.column("credential_ref")):
        yield "network", f"network_devices id {row.id}", row.credential_ref
    settings = get_settings()
    for name in ("network_snmp_auth_ref", "network_snmp_priv_ref"):
        yield "network", f"setting SOCLE_{name.upper()}", getattr(settings, name)
    for row in _rows(bind, "hosting_providers", sa.column("credential_ref")):
        yield "hosting", f"hosting_providers id {row.id}", row.credential_ref
    for row in _rows(bind, "hosting_backup_policies", sa.column("password_ref"),
                     sa.column("executor", JSONType)):
        yield "hosting", f"hosting_backup_policies id {row.id}", row.password_ref
        if row.password_ref.startswith("file:"):
            for suffix in ROTATION_SUFFIXES:  # a rotation under way: its files go along
                place = f"hosting_backup_policies id {row.id} (rotation)"
                yield "hosting", place, row.password_ref + suffix
        key = (row.executor or {}).get("key_ref")
        if isinstance(key, str) and key:
            yield "hosting", f"hosting_backup_policies id {row.id} executor", key
    for row in _rows(bind, "apps_targets", sa.column("ssh_key_ref")):
        if row.ssh_key_ref:
            yield "apps", f"apps_targets id {row.id}", row.ssh_key_ref
    for row in _rows(bind, "apps_deployments", sa.column("secret_refs", JSONType)):
        for service, refs in sorted((row.secret_refs or {}).items()):
            for key, ref in sorted((refs or {}).items()):
                if isinstance(ref, str):
                    yield "apps", f"apps_deployments id {row.id} {service}.{key}", ref


def _reserved(data_dir: Path, name: str, bind: sa.Connection) -> bool:
    """True for Socle's own files (and the SQLite database with its companions), also
    when reached through a symbolic link."""
    if name in RESERVED:
        return True
    target = (data_dir / name).resolve()
    if target in {(data_dir / own).resolve() for own in RESERVED}:
        return True
    url = bind.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return str(target).startswith(str(Path(url.database).resolve()))
    return False


def _owner(name: str) -> str | None:
    return next((plane for prefix, plane in OWNED if name.startswith(prefix)), None)


def plan(
    found: list[Found], data_dir: Path, bind: sa.Connection, *, warn: bool = True
) -> dict[str, list[str]]:
    """File name → the planes it goes to; warns (``warn``) about what cannot move."""
    warning = log.warning if warn else log.debug
    planes: dict[str, set[str]] = {}
    where: dict[str, list[str]] = {}
    for plane, place, reference in found:
        match = _REFERENCE.match(reference or "")
        if match is None:
            warning("secret reference %r (%s) is malformed: not migrated", reference, place)
            continue
        source, name = match.groups()
        if source == "env":
            prefix = f"SOCLE_SECRET_{plane.upper()}_"
            if not (name.startswith(prefix) and len(name) > len(prefix)):
                suggested = prefix + re.sub(r"[^A-Z0-9_]", "_", name.upper()).removeprefix(
                    "SOCLE_")
                warning("secret reference %s (%s) cannot be migrated: the %s plane now "
                        "reads only variables named %s*; rename the variable (e.g. to %s) "
                        "and change the reference", reference, place, plane, prefix, suggested)
            continue
        owner = _owner(name)
        if _reserved(data_dir, name, bind) or (owner is not None and owner != plane):
            if (data_dir / name).exists():
                warning("secret reference %s (%s) names a file the %s plane may not "
                        "read: not migrated (check who set this reference)",
                        reference, place, plane)
            continue
        planes.setdefault(name, set()).add(plane)
        where.setdefault(name, []).append(f"{place}: {plane}")
    for name, chosen in planes.items():
        if len(chosen) > 1 and (data_dir / name).is_file():
            warning("secret file %s is referenced by several planes (%s): copied into "
                    "each, check that each should read it", name, "; ".join(where[name]))
    return {name: sorted(chosen) for name, chosen in sorted(planes.items())}


def _private_directory(path: Path) -> None:
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o700)


def _copy(source: Path, target: Path) -> None:
    """Copy ``source`` to a new 0600 ``target`` (written to a draft, then linked)."""
    draft = target.with_name(f".{target.name}.migrating")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(source.read_bytes())
    try:
        os.link(draft, target)
    except FileExistsError:
        pass
    finally:
        draft.unlink(missing_ok=True)


def move(data_dir: Path, name: str, planes: list[str]) -> None:
    """``data_dir/name`` into each plane's directory (moved into the last, copied into
    the others); a target already there is kept, a missing source left missing."""
    source = data_dir / name
    for index, plane in enumerate(planes):
        if not source.is_file():
            return
        directory = data_dir / SECRETS_DIR / plane
        _private_directory(directory.parent)
        _private_directory(directory)
        target = directory / name
        if target.exists():
            continue  # already moved (an earlier run): never overwrite a secret
        if index == len(planes) - 1 and source.is_symlink():
            target.symlink_to(source.resolve())  # a relative link would break one level down
            source.unlink()
            log.info("secret file %s moved to %s (a link to %s)", name, target, target.resolve())
        elif index == len(planes) - 1:
            os.replace(source, target)
            log.info("secret file %s moved to %s", name, target)
        else:
            _copy(source, target)
            log.info("secret file %s copied to %s", name, target)


def upgrade() -> None:
    bind = op.get_bind()
    data_dir = Path(get_settings().data_dir)
    for name, planes in plan(list(references(bind)), data_dir, bind).items():
        move(data_dir, name, planes)


def downgrade() -> None:
    """Put each referenced file back at the data directory's root (where the code of
    revision 0015 reads it), unless a file of that name is already there."""
    bind = op.get_bind()
    data_dir = Path(get_settings().data_dir)
    for name, planes in plan(list(references(bind)), data_dir, bind, warn=False).items():
        for plane in planes:
            placed = data_dir / SECRETS_DIR / plane / name
            if placed.is_file() and not (data_dir / name).exists():
                os.replace(placed, data_dir / name)
