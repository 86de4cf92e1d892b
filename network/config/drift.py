"""Drift: each router's latest backed-up running configuration against its intent.

Pure comparison of stored text (no SSH): the backups are what the scheduled job and
every apply fetched. A router without a backup is ``unknown`` and one whose intent
cannot be rendered is ``error``: neither is ever reported compliant.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.db import regional_reader
from controlplane.db.scope import session_scope
from network.config import backups, configdiff, intent
from network.config.configdiff import Scope
from network.config.models import ConfigBackup
from network.config.schemas import BackupRead, DeviceConfigRead, DriftItem, DriftStatus
from network.errors import store
from network.inventory.models import Device
from network.inventory.schemas import DeviceRole
from network.inventory.service import of_site


def _item(found: intent.Intent, backup: ConfigBackup | None) -> DriftItem:
    base = {
        "device_id": found.device_id,
        "device": found.hostname,
        "platform": found.platform,
        "backup_id": backup.id if backup else None,
        "fetched_at": backup.fetched_at if backup else None,
    }
    if found.error is not None or found.text is None:
        return DriftItem(**base, status=DriftStatus.ERROR, error=found.error)
    if backup is None:
        return DriftItem(**base, status=DriftStatus.UNKNOWN, error="no backup of its configuration")
    scope = Scope(found.owned_interfaces)
    result = configdiff.compare(found.platform, backup.content, found.text, scope,
                                name=found.hostname)
    status = DriftStatus.COMPLIANT if result.in_sync else DriftStatus.DRIFTED
    return DriftItem(**base, status=status, diff=result.diff)


def _visible_intents(db: Session, hostnames: Collection[str] | None) -> dict[str, intent.Intent]:
    """The intents of the CE routers the caller sees (of ``hostnames`` when given),
    rendered with the regional rows they need (the PE a circuit ends on, shared pools)
    even when the caller is an establishment that may not read those rows itself."""
    if session_scope(db).is_restricted:
        stmt = select(Device.hostname).where(Device.role == DeviceRole.CE.value)
        if hostnames is not None:
            stmt = stmt.where(Device.hostname.in_(list(hostnames)))
        hostnames = db.scalars(stmt).all()
    with regional_reader(db) as regional:
        return intent.intents(regional, hostnames=hostnames)


def report(db: Session, *, site: str | None = None) -> list[DriftItem]:
    """Every CE router's drift status (one site's), by hostname (a fixed number of queries)."""
    hostnames: Collection[str] | None = None
    if site is not None:
        stmt = select(Device.hostname).where(of_site(Device.site_id, site))
        hostnames = db.scalars(stmt).all()
    found = _visible_intents(db, hostnames)
    latest = backups.latest(db, [i.device_id for i in found.values()])
    return [_item(i, latest.get(i.device_id)) for i in found.values()]


def device_config(db: Session, device_id: int) -> DeviceConfigRead:
    """A router's intended configuration, latest backup and drift status (404 if unseen)."""
    device = store.get(db, Device, device_id)
    found = _visible_intents(db, [device.hostname]).get(device.hostname) or intent.Intent(
        device_id=device.id,
        tenant_id=device.tenant_id,
        hostname=device.hostname,
        platform=device.platform,
        endpoint=intent.endpoint(device),
        credential_ref=device.credential_ref,
        error=f"{device.hostname} is a {device.role}: Socle renders CE routers only",
    )
    backup = backups.latest(db, [device.id]).get(device.id)
    item = _item(found, backup)
    return DeviceConfigRead(
        **item.model_dump(),
        intended=found.text,
        backup=BackupRead.model_validate(backup) if backup else None,
    )
