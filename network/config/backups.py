"""Versioned running-configuration backups of the routers (masked: no secret in them).

Every fetch made around a push is kept (``pre-apply``: what a rollback restores, found
again by its job if the job is resumed; ``post-apply``/``post-rollback``: what the job
left). A scheduled fetch identical to the router's latest version only confirms it
(``checked_at``), so an unchanged router costs no new row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controlplane.db import utcnow
from network.config.models import ConfigBackup


class Source(StrEnum):
    """Why a running configuration was fetched."""

    SCHEDULED = "scheduled"
    PRE_APPLY = "pre-apply"
    POST_APPLY = "post-apply"
    POST_ROLLBACK = "post-rollback"


def digest(content: str) -> str:
    """The SHA-256 of a configuration text (hex)."""
    return hashlib.sha256(content.encode()).hexdigest()


def latest(db: Session, device_ids: Collection[int]) -> dict[int, ConfigBackup]:
    """The newest backup of each device (one query, whatever the number of devices)."""
    if not device_ids:
        return {}
    newest = (
        select(func.max(ConfigBackup.id))
        .where(ConfigBackup.device_id.in_(list(device_ids)))
        .group_by(ConfigBackup.device_id)
    )
    rows = db.scalars(select(ConfigBackup).where(ConfigBackup.id.in_(newest)))
    return {row.device_id: row for row in rows}


def store(
    db: Session,
    *,
    device_id: int,
    tenant_id: int | None,
    content: str,
    source: Source,
    job_id: int | None = None,
) -> ConfigBackup:
    """Record a fetched configuration (a scheduled one equal to the latest only confirms it)."""
    sha = digest(content)
    if source is Source.SCHEDULED:
        previous = latest(db, [device_id]).get(device_id)
        if previous is not None and previous.sha256 == sha:
            previous.checked_at = utcnow()
            return previous
    backup = ConfigBackup(
        device_id=device_id,
        tenant_id=tenant_id,
        source=source.value,
        job_id=job_id,
        content=content,
        sha256=sha,
    )
    db.add(backup)
    db.flush()
    return backup


def before_job(db: Session, *, device_id: int, job_id: int) -> ConfigBackup | None:
    """The configuration a job read from the device before its first push, if any."""
    return db.scalar(
        select(ConfigBackup)
        .where(
            ConfigBackup.device_id == device_id,
            ConfigBackup.job_id == job_id,
            ConfigBackup.source == Source.PRE_APPLY.value,
        )
        .order_by(ConfigBackup.id)
        .limit(1)
    )
