"""Provider credentials by reference: ``env:VARIABLE`` or ``file:name``, never the secret.

The referenced value is ``ACCESS_KEY:SECRET_KEY`` (an environment variable, or a file
of that name in ``SOCLE_DATA_DIR`` readable by its owner only). It is resolved only
where a driver is built, and never logged or stored.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from controlplane.errors import SocleError
from hosting import errors

REFERENCE = re.compile(r"^(env:[A-Za-z_][A-Za-z0-9_]*|file:[A-Za-z0-9][A-Za-z0-9._-]*)$")


@dataclass(frozen=True)
class Keys:
    """An access key and its secret (kept out of repr)."""

    access_key: str
    secret_key: str = field(repr=False)


def check_reference(value: str) -> str:
    """``value`` if it is a well-formed reference (a pydantic field validator)."""
    if not REFERENCE.match(value):
        raise ValueError(
            "a reference to the secret, never the secret: env:VARIABLE or file:name "
            "(a 0600 file in SOCLE_DATA_DIR)"
        )
    return value


def resolve(reference: str, *, data_dir: Path) -> Keys:
    """The keys ``reference`` points at (an error naming the reference, not the value)."""
    scheme, _, name = reference.partition(":")
    if scheme == "env":
        value = os.environ.get(name)
    else:
        path = data_dir / name
        value = path.read_text().strip() if path.is_file() else None
    if not value or ":" not in value:
        raise SocleError(
            detail=f"credential {reference} is missing or not ACCESS_KEY:SECRET_KEY",
            code=errors.CREDENTIAL,
        )
    access_key, _, secret_key = value.partition(":")
    return Keys(access_key, secret_key)
