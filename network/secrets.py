"""Secrets named by reference, and the placeholders that stand for them in stored text.

A reference is ``env:VARIABLE`` or ``file:NAME`` (a file in ``SOCLE_DATA_DIR`` that
only its owner may read, mode 0600). Secret values are resolved at the last moment (an
SSH login, a configuration push) and never stored, logged or returned: configurations
kept in the database and shown in plans carry a placeholder (``<<secret:NAME>>``)
instead, swapped for the value only on the way to the device (:meth:`Secrets.reveal`),
and swapped back in what the device shows (:meth:`Secrets.mask`).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

_REFERENCE = re.compile(r"^(env|file):([A-Za-z0-9_][A-Za-z0-9._-]*)$")
_PLACEHOLDER = "<<secret:{}>>"
UNKNOWN = _PLACEHOLDER.format("unknown")  # a secret field holding a value Socle did not set


class SecretError(RuntimeError):
    """A secret reference that cannot be resolved; the message names the reference only."""


def placeholder(name: str) -> str:
    """The token standing for secret ``name`` in stored configuration text."""
    return _PLACEHOLDER.format(name)


def is_placeholder(token: str) -> bool:
    """True when ``token`` is a placeholder (known or unknown secret)."""
    return token.startswith("<<secret:") and token.endswith(">>")


def resolve(reference: str, data_dir: Path) -> str:
    """The secret a reference names; :class:`SecretError` (naming the reference) if absent.

    ``file:NAME`` must be a regular file in ``data_dir`` readable by its owner only.
    """
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


@dataclass(frozen=True)
class Secrets:
    """Resolved secrets by placeholder name; ``repr`` never shows a value."""

    values: Mapping[str, str] = field(default_factory=dict, repr=False)

    def reveal(self, text: str) -> str:
        """``text`` with every known placeholder replaced by its value (push path only)."""
        for name, value in self.values.items():
            text = text.replace(placeholder(name), value)
        return text

    def mask(self, text: str) -> str:
        """``text`` with every known secret value replaced by its placeholder."""
        for name, value in sorted(self.values.items(), key=lambda item: -len(item[1])):
            text = text.replace(value, placeholder(name))
        return text


SNMP_AUTH = "snmp-auth"
SNMP_PRIV = "snmp-priv"
_SNMP_KEY = re.compile(r"^[!-~]{8,64}$")  # printable ASCII, no space: safe on any CLI line


def config_secrets(references: Mapping[str, str], data_dir: Path, *, strict: bool) -> Secrets:
    """The secrets rendered configurations refer to, by placeholder name.

    ``strict`` (the push path) raises :class:`SecretError` for a missing or malformed
    secret; otherwise (planning, backups) the unresolved ones are left out, and what a
    device shows in their place is masked as an unknown secret.
    """
    values = {}
    for name, reference in references.items():
        try:
            value = resolve(reference, data_dir)
            if not _SNMP_KEY.match(value) or '"' in value or "'" in value:
                raise SecretError(
                    f"secret {reference}: a key is 8 to 64 printable characters, "
                    "without spaces or quotes"
                )
        except SecretError:
            if strict:
                raise
            continue
        values[name] = value
    return Secrets(values)
