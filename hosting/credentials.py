"""Provider credentials by reference: ``env:VARIABLE`` or ``file:name``, never the secret.

The referenced value is ``ACCESS_KEY:SECRET_KEY`` (an environment variable, or a file
of that name in ``SOCLE_DATA_DIR`` readable by its owner only). It is resolved only
where a driver is built, and never logged or stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from controlplane import secrets
from controlplane.errors import SocleError
from controlplane.secrets import check_reference
from hosting import errors


@dataclass(frozen=True)
class Keys:
    """An access key and its secret (kept out of repr)."""

    access_key: str
    secret_key: str = field(repr=False)


def resolve(reference: str, *, data_dir: Path) -> Keys:
    """The keys ``reference`` points at (an error naming the reference, not the value)."""
    try:
        value = secrets.resolve(reference, data_dir)
    except secrets.SecretError as exc:
        raise SocleError(detail=str(exc), code=errors.CREDENTIAL) from None
    if ":" not in value:
        raise SocleError(
            detail=f"credential {reference} is not ACCESS_KEY:SECRET_KEY", code=errors.CREDENTIAL
        )
    access_key, _, secret_key = value.partition(":")
    return Keys(access_key, secret_key)


__all__ = ["Keys", "check_reference", "resolve"]
