"""The placeholders that stand for secrets in stored configuration text.

References (``env:VARIABLE`` / ``file:NAME``) are resolved by :mod:`controlplane.secrets`
in the network plane's namespace, :data:`SECRETS` (``env:SOCLE_SECRET_NETWORK_*`` or a
file of ``SOCLE_DATA_DIR/secrets/network/``; :func:`resolve` here): the routers'
passwords and the SNMPv3 keys the settings name. Secret values are resolved at the
last moment (an SSH login, a configuration push) and never stored, logged or returned:
configurations kept in the database and shown in plans carry a placeholder (``<<secret:NAME>>``)
instead, swapped for the value only on the way to the device (:meth:`Secrets.reveal`),
and swapped back in what the device shows (:meth:`Secrets.mask`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from controlplane.secrets import SecretError, SecretNamespace

SECRETS = SecretNamespace("network")
resolve = SECRETS.resolve  # (reference, data_dir) -> the secret, in the network namespace only

_PLACEHOLDER = "<<secret:{}>>"
UNKNOWN = _PLACEHOLDER.format("unknown")  # a secret field holding a value Socle did not set


def placeholder(name: str) -> str:
    """The token standing for secret ``name`` in stored configuration text."""
    return _PLACEHOLDER.format(name)


def is_placeholder(token: str) -> bool:
    """True when ``token`` is a placeholder (known or unknown secret)."""
    return token.startswith("<<secret:") and token.endswith(">>")


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


__all__ = ["SECRETS", "UNKNOWN", "SecretError", "Secrets", "config_secrets", "is_placeholder",
           "placeholder", "resolve"]
