"""One restic password per tenant, generated once into a 0600 file under SOCLE_DATA_DIR.

Socle stores only its reference (``file:restic-<finess>.password``). Every repository
of the tenant's subscriptions is encrypted with it; losing the file loses the backups,
so the data directory itself must be backed up (outside restic) by the operator.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from controlplane.secrets import store_file


def reference_for(finess: str) -> str:
    """The secret reference of the tenant's restic password."""
    return f"file:restic-{finess.lower()}.password"


def ensure_password(finess: str, data_dir: Path) -> str:
    """Create the tenant's password file if missing (0600, never overwritten); its reference."""
    name = reference_for(finess).removeprefix("file:")
    return store_file(data_dir, name, secrets.token_urlsafe(48), replace=False)
