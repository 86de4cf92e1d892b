"""One restic password per tenant, generated once into a 0600 file of the hosting
plane's secrets (``SOCLE_DATA_DIR/secrets/hosting/``).

Socle stores only its reference (``file:restic-<finess>.password``). Every repository
of the tenant's subscriptions is encrypted with it; losing the file loses the backups,
so the data directory itself must be backed up (outside restic) by the operator.

Rotation (see :mod:`hosting.backup.rotation`) goes through two more files beside it,
both 0600: ``.password.next`` holds the new password until every repository accepts
it, then becomes the password file (an atomic rename) while the old one is kept as
``.password.previous`` until the old keys are removed. At every moment the password
file in place opens every repository.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from hosting.secrets import SECRETS

NEXT, PREVIOUS = ".next", ".previous"


def reference_for(finess: str) -> str:
    """The secret reference of the tenant's restic password."""
    return f"file:restic-{finess.lower()}.password"


def ensure_password(finess: str, data_dir: Path) -> str:
    """Create the tenant's password file if missing (0600, never overwritten); its reference."""
    name = reference_for(finess).removeprefix("file:")
    return SECRETS.store_file(data_dir, name, secrets.token_urlsafe(48), replace=False)


def next_reference(finess: str) -> str:
    """The reference of the password a rotation is rolling out."""
    return reference_for(finess) + NEXT


def previous_reference(finess: str) -> str:
    """The reference of the password a rotation replaced (until its keys are removed)."""
    return reference_for(finess) + PREVIOUS


def _path(data_dir: Path, reference: str) -> Path:
    return SECRETS.path(data_dir, reference)


def _create_once(data_dir: Path, reference: str, value: str) -> None:
    """Create the 0600 file ``reference`` with ``value`` unless it exists, atomically: a
    crash leaves either no file or the whole value, never a truncated password."""
    target = _path(data_dir, reference)
    draft = target.with_name(target.name + ".draft")
    SECRETS.store_file(data_dir, draft.name, value, replace=True)
    try:
        os.link(draft, target)
    except FileExistsError:
        pass
    finally:
        draft.unlink(missing_ok=True)


def begin_rotation(finess: str, data_dir: Path) -> str:
    """Generate the next password if none is pending; where the rotation stands:
    ``pending`` (the next password is being rolled out) or ``switched`` (the password
    file already holds it; the old keys remain to be removed)."""
    if _path(data_dir, next_reference(finess)).exists():
        return "pending"
    if _path(data_dir, previous_reference(finess)).exists():
        return "switched"
    if not _path(data_dir, reference_for(finess)).exists():
        raise FileNotFoundError(f"{reference_for(finess)}: the tenant has no restic password")
    _create_once(data_dir, next_reference(finess), secrets.token_urlsafe(48))
    return "pending"


def pending(finess: str, data_dir: Path) -> bool:
    """True while the next password is not yet the password file."""
    return _path(data_dir, next_reference(finess)).exists()


def switch(finess: str, data_dir: Path) -> None:
    """Keep the current password as ``.previous`` and make the next one current (atomic
    rename); idempotent, a no-op once done. Call only when every repository accepts it."""
    current, following = _path(data_dir, reference_for(finess)), _path(
        data_dir, next_reference(finess))
    if not following.exists():
        return
    _create_once(data_dir, previous_reference(finess), current.read_text().strip())
    os.replace(following, current)


def switched_from(finess: str, data_dir: Path) -> bool:
    """True while the replaced password is kept (its keys may remain in repositories)."""
    return _path(data_dir, previous_reference(finess)).exists()


def end_rotation(finess: str, data_dir: Path) -> None:
    """Forget the replaced password (once no repository has a key for it)."""
    _path(data_dir, previous_reference(finess)).unlink(missing_ok=True)
