"""Stable error codes of the backup part of the hosting plane (HOST-018x and up)."""

from __future__ import annotations

from controlplane.errors import InvalidInput, NotFound

NOT_FOUND = {
    "backup-policy": "HOST-0181",
    "backup-repository": "HOST-0182",
}
UNKNOWN_SNAPSHOT = "HOST-0183"  # a restore test names a snapshot Socle did not record (422)


def not_found(kind: str, ident: object) -> NotFound:
    """404 for a missing (or another tenant's) backup object."""
    return NotFound(detail=f"no {kind} {ident}", code=NOT_FOUND[kind])


def unknown_snapshot(field: str, message: str) -> InvalidInput:
    """422: no recorded backup run (with its checksums) matches the snapshot asked for."""
    return InvalidInput.on(field, message, code=UNKNOWN_SNAPSHOT)
