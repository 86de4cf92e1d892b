"""Long-term archive: deposit, list, integrity check and retrieval on write-once buckets.

An archive subscription (offer kind ``archive``, immutable) owns one locked bucket per
copy. A deposit hashes the document (SHA-256) while spooling it, then writes it to
every locked bucket as an object version under Object Lock COMPLIANCE until the
subscription's retention (in years) has passed: the provider refuses any deletion or
overwrite of that version before then. The record keeps each copy's version id, so a
later write on the same key (a new version) cannot replace what is retrieved.
Integrity checks and retrievals re-read the versions and compare their digest with
the one recorded at deposit; a mismatch is reported, never served.
Periodic checks without anyone asking are in :mod:`hosting.archive.flows`.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import IO

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from controlplane.db import utcnow
from controlplane.rows import snapshot
from controlplane.tenants import of_tenant
from hosting import errors
from hosting.archive.models import ArchiveItem
from hosting.archive.schemas import ArchiveRead, CopyCheck, check_name
from hosting.drivers import DriverError
from hosting.drivers.archive import CHUNK, ArchiveObjects
from hosting.errors import store
from hosting.providers import connections
from hosting.providers.models import HostingProvider
from hosting.subscriptions.models import Resource, Subscription

SPOOL_BYTES = 8 * 1024 * 1024  # a deposit larger than this spools to disk


def retention_years(subscription: Subscription) -> int:
    """How long deposits stay locked: the request's ``retention_years`` parameter, else
    the offer's retention rounded up to whole years."""
    years = subscription.parameters.get("retention_years")
    if years:
        return int(years)
    days = subscription.offer.retention_days
    if not days:
        raise errors.invalid("subscription", "the archive offer has no retention")
    return math.ceil(days / 365)


def add_years(moment: datetime, years: int) -> datetime:
    """``moment`` plus calendar years (29 February becomes 1 March)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, month=3, day=1)


def locked_buckets(subscription: Subscription) -> list[Resource]:
    """The write-once buckets of an active archive subscription (422/409 otherwise)."""
    if subscription.offer.kind != "archive":
        raise errors.invalid("subscription", f"subscription {subscription.id} is not an archive")
    if subscription.state != "active":
        raise errors.conflict(
            errors.WRONG_STATE, "subscription", f"subscription {subscription.id} is not active"
        )
    buckets = [
        r for r in subscription.resources if r.kind == "bucket" and r.details.get("object_lock")
    ]
    if not buckets:
        raise errors.conflict(
            errors.WRONG_STATE, "subscription", "the subscription has no write-once bucket"
        )
    return buckets


def spool(chunks: Iterable[bytes]) -> tuple[IO[bytes], str, int]:
    """Copy ``chunks`` into a temporary file: (file, SHA-256 hex digest, size)."""
    digest = hashlib.sha256()
    size = 0
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned)
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        spooled.write(chunk)
    spooled.seek(0)
    return spooled, digest.hexdigest(), size


def read_file(handle: IO[bytes], *,
              on_chunk: Callable[[int], None] | None = None) -> Iterable[bytes]:
    """A file's content, chunk by chunk; ``on_chunk(size)`` after each (a progress bar)."""
    while chunk := handle.read(CHUNK):
        if on_chunk is not None:
            on_chunk(len(chunk))
        yield chunk


def deposit(
    db: Session,
    subscription: Subscription,
    name: str,
    chunks: Iterable[bytes],
    *,
    actor: str,
    now: datetime | None = None,
) -> ArchiveItem:
    """Deposit a document in every write-once bucket of ``subscription`` (recorded, audited).

    422 bad name or not an archive, 409 name already deposited or subscription not
    active, 502 a provider refused the write (nothing recorded; a version already
    written at another copy stays, locked, and is simply never referenced).
    """
    try:
        name = check_name(name)
    except ValueError as exc:
        raise errors.invalid("name", str(exc)) from None
    buckets = locked_buckets(subscription)
    taken = select(ArchiveItem.id).where(
        ArchiveItem.subscription_id == subscription.id, ArchiveItem.name == name
    )
    if db.scalar(taken) is not None:
        raise errors.duplicate("archive", "name", name)
    now = (now or utcnow()).replace(microsecond=0)
    retain_until = add_years(now, retention_years(subscription))
    key = f"archive/{name}"
    content, sha256, size = spool(chunks)
    copies = []
    with content:
        for bucket in buckets:
            try:
                version = _objects(bucket.provider).put_locked(
                    bucket.external_id,
                    key,
                    content,
                    retain_until=retain_until,
                    metadata={"sha256": sha256, "finess": subscription.tenant.finess},
                )
            except DriverError as exc:
                raise errors.provider_failed(str(exc)) from None
            copies.append(
                {
                    "resource": bucket.key,
                    "provider": bucket.provider.name,
                    "bucket": bucket.external_id,
                    "version_id": version,
                }
            )
    item = ArchiveItem(
        tenant_id=subscription.tenant_id,
        tenant=subscription.tenant,
        subscription_id=subscription.id,
        name=name,
        object_key=key,
        size_bytes=size,
        sha256=sha256,
        retain_until=retain_until,
        copies=copies,
        deposited_by=actor,
        verify_detail=[],
    )
    db.add(item)
    db.flush()
    store.record(db, item, actor=actor, verb="deposit", read=ArchiveRead)
    return item


def _objects(provider: HostingProvider) -> ArchiveObjects:
    keys = connections.provider_keys(provider)
    return ArchiveObjects(
        endpoint=provider.s3_endpoint or "",
        region=provider.s3_region or connections.DEFAULT_REGION,
        access_key=keys.access_key,
        secret_key=keys.secret_key,
    )


def _provider(db: Session, name: str) -> HostingProvider:
    return store.by_key(db, HostingProvider, name)


def check_copy(
    db: Session, item: ArchiveItem, copy: dict[str, str], sink: IO[bytes] | None = None
) -> CopyCheck:
    """Re-read one copy: its digest must match the deposit's and its lock must hold."""
    try:
        back = _objects(_provider(db, copy["provider"])).read(
            copy["bucket"], item.object_key, copy["version_id"], sink
        )
    except DriverError as exc:
        return CopyCheck(provider=copy["provider"], bucket=copy["bucket"], ok=False, error=str(exc))
    problems = []
    if back.sha256 != item.sha256:
        problems.append(f"SHA-256 {back.sha256} differs from {item.sha256} recorded at deposit")
    if back.lock_mode != "COMPLIANCE" or back.retain_until is None:
        problems.append(f"object lock is {back.lock_mode or 'absent'}, not COMPLIANCE")
    elif back.retain_until.astimezone(UTC) < item.retain_until.astimezone(UTC):
        problems.append(f"locked only until {back.retain_until.isoformat()}")
    return CopyCheck(
        provider=copy["provider"],
        bucket=copy["bucket"],
        ok=not problems,
        sha256=back.sha256,
        locked_until=back.retain_until,
        error="; ".join(problems) or None,
    )


def verify(
    db: Session, item: ArchiveItem, *, actor: str, now: datetime | None = None
) -> ArchiveItem:
    """Re-read every copy and record the outcome (audited); a bad copy is reported, not fixed."""
    before = snapshot(item, ArchiveRead)
    checks = [check_copy(db, item, copy) for copy in item.copies]
    item.verified_at = now or utcnow()
    item.verified_ok = all(c.ok for c in checks)
    item.verify_detail = [c.model_dump(mode="json") for c in checks]
    db.flush()
    store.record(db, item, actor=actor, verb="verify", read=ArchiveRead, before=before)
    return item


def retrieve(db: Session, item: ArchiveItem) -> IO[bytes]:
    """The document, from the first copy whose digest and lock check out (502 if none).

    The answer is a temporary file positioned at its start; the caller closes it.
    """
    failures = []
    for copy in item.copies:
        sink = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned)
        check = check_copy(db, item, copy, sink)
        if check.ok:
            sink.seek(0)
            return sink
        sink.close()
        failures.append(f"{copy['provider']}: {check.error}")
    raise errors.provider_failed(
        f"archive {item.id}: no intact copy ({'; '.join(failures)})", code=errors.INTEGRITY
    )


def archive_query(
    *, tenant: str | None = None, subscription: int | None = None
) -> Select[tuple[ArchiveItem]]:
    """Archived documents newest first, filtered by tenant FINESS and subscription."""
    stmt = select(ArchiveItem).order_by(ArchiveItem.id.desc())
    if tenant:
        stmt = stmt.where(of_tenant(ArchiveItem.tenant_id, tenant))
    if subscription is not None:
        stmt = stmt.where(ArchiveItem.subscription_id == subscription)
    return stmt
