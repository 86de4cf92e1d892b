"""The hosting plane's secrets, and provider credentials by reference.

Every reference of the hosting plane (providers' keys, restic passwords, the SSH keys
of backup executors) resolves in its namespace, :data:`SECRETS`:
``env:SOCLE_SECRET_HOSTING_*`` or a file of ``SOCLE_DATA_DIR/secrets/hosting/``
readable by its owner only (see :mod:`controlplane.secrets`).

A provider's referenced value is ``ACCESS_KEY:SECRET_KEY``. It is resolved only where a
driver is built, and never logged or stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from controlplane.errors import SocleError
from controlplane.secrets import SecretError, SecretNamespace
from hosting import errors

SECRETS = SecretNamespace("hosting")


@dataclass(frozen=True)
class Keys:
    """An access key and its secret (kept out of repr)."""

    access_key: str
    secret_key: str = field(repr=False)


def resolve(reference: str, *, data_dir: Path) -> Keys:
    """The keys ``reference`` points at (an error naming the reference, not the value)."""
    try:
        value = SECRETS.resolve(reference, data_dir)
    except SecretError as exc:
        raise SocleError(detail=str(exc), code=errors.CREDENTIAL) from None
    if ":" not in value:
        raise SocleError(
            detail=f"credential {reference} is not ACCESS_KEY:SECRET_KEY", code=errors.CREDENTIAL
        )
    access_key, _, secret_key = value.partition(":")
    return Keys(access_key, secret_key)


__all__ = ["SECRETS", "Keys", "resolve"]
