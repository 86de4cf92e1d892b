"""The console's signing secret: generated once into ``SOCLE_DATA_DIR``, readable by Socle only."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from controlplane.secrets import own_secret

SECRET_FILE = "console-secret.key"  # noqa: S105 (a file name)
SECRET_BYTES = 32


@lru_cache(maxsize=8)
def load_or_create(data_dir: Path) -> bytes:
    """The secret kept in ``data_dir``, created (mode 0600) the first time (see
    :func:`controlplane.secrets.own_secret`)."""
    return own_secret(data_dir, SECRET_FILE, nbytes=SECRET_BYTES).encode()
