"""The console's signing secret: generated once into ``SOCLE_DATA_DIR``, readable by Socle only."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path

SECRET_FILE = "console-secret.key"  # noqa: S105 (a file name)
SECRET_BYTES = 32


@lru_cache(maxsize=8)
def load_or_create(data_dir: Path) -> bytes:
    """The secret kept in ``data_dir``, created (mode 0600) the first time.

    Several processes may start at once: each writes a candidate to a private temp
    file and hard-links it into place; ``link`` fails for all but the first, so every
    process ends up reading the same secret.
    """
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor, candidate = tempfile.mkstemp(dir=data_dir, prefix=".console-secret.")
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(SECRET_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(candidate, path)  # atomic: the first process to get here wins
        finally:
            os.unlink(candidate)
    secret = path.read_text().strip()
    if len(secret) < 2 * SECRET_BYTES:
        raise RuntimeError(f"{path} is too short to be a signing secret: delete it to renew it")
    return secret.encode()
