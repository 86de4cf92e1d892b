"""Secrets by reference: ``env:VARIABLE`` or ``file:NAME``, never the secret itself.

Socle stores, shows and logs references only. A value is resolved at the last moment
(an SSH login, a configuration push, a storage client) and never kept: ``file:NAME`` is
a regular file in ``SOCLE_DATA_DIR`` that only its owner may read (mode 0600). Errors
name the reference, never a value.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

_REFERENCE = re.compile(r"^(env|file):([A-Za-z0-9_][A-Za-z0-9._-]*)$")


class SecretError(RuntimeError):
    """A secret reference that cannot be resolved; the message names the reference only."""


def check_reference(value: str) -> str:
    """``value`` if it is a well-formed reference (use as a pydantic field validator)."""
    if not _REFERENCE.match(value):
        raise ValueError(
            "a reference to the secret, never the secret: env:VARIABLE or file:NAME "
            "(a 0600 file in SOCLE_DATA_DIR)"
        )
    return value


def resolve(reference: str, data_dir: Path) -> str:
    """The secret ``reference`` names; :class:`SecretError` (naming the reference) if absent."""
    match = _REFERENCE.match(reference)
    if match is None:
        raise SecretError(f"{reference!r} is not env:VARIABLE nor file:NAME")
    source, name = match.groups()
    if source == "env":
        value = os.environ.get(name)
        if not value:
            raise SecretError(f"secret {reference}: the variable is not set")
        return value
    path = data_dir / name
    try:
        info = path.stat()
    except OSError:
        raise SecretError(f"secret {reference}: no such file in {data_dir}") from None
    mode = stat.S_IMODE(info.st_mode)
    if not stat.S_ISREG(info.st_mode) or mode & 0o077:
        raise SecretError(
            f"secret {reference}: refused, mode {mode:04o} lets others read it (chmod 600)"
        )
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise SecretError(f"secret {reference}: the file is empty")
    return value


def store_file(data_dir: Path, name: str, value: str, *, replace: bool = True) -> str:
    """Write ``value`` to ``data_dir/name`` readable by its owner only; its reference.

    The file is created with mode 0600 (never briefly world-readable). With
    ``replace=False`` an existing file is kept as it is (a generated key must not change
    once data was encrypted with it).
    """
    reference = check_reference(f"file:{name}")
    path = data_dir / name
    data_dir.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    try:
        descriptor = os.open(path, flags, 0o600)
    except FileExistsError:
        return reference
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    path.chmod(0o600)
    return reference
