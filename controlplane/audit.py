"""Append-only audit log, chained by SHA-256 so that tampering is detectable.

Each record's hash covers its content and the previous record's hash. The single
``audit_head`` row holds the last sequence number and hash: appending updates it first,
which serialises concurrent writers (row lock on PostgreSQL, write lock on SQLite),
and it lets :func:`verify` notice records deleted from the end of the chain.
Records are written in the same transaction as the change they describe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from controlplane.db import utcnow
from controlplane.models import AuditHead, AuditRecord

GENESIS_HASH = "0" * 64
REDACTED = "***"
_SECRET_WORDS = ("password", "secret", "token", "private", "passphrase", "community",
                 "auth_key", "priv_key", "api_key", "access_key")


def redact(data: Any) -> Any:
    """A JSON-safe copy of ``data`` with every secret-looking field masked."""
    if isinstance(data, Mapping):
        return {
            str(key): REDACTED
            if any(word in str(key).lower() for word in _SECRET_WORDS)
            else redact(value)
            for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return [redact(item) for item in data]
    if isinstance(data, str | int | float | bool) or data is None:
        return data
    return str(data)


def _canonical(record: AuditRecord) -> bytes:
    payload = {
        "seq": record.seq,
        "at": record.at.isoformat(),
        "actor": record.actor,
        "action": record.action,
        "target_type": record.target_type,
        "target_id": record.target_id,
        "tenant": record.tenant_finess,
        "before": record.before,
        "after": record.after,
        "prev": record.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(record: AuditRecord) -> str:
    """The SHA-256 a record must carry, given its content and ``prev_hash``."""
    return hashlib.sha256(_canonical(record)).hexdigest()


def record(
    db: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | int,
    tenant_finess: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Append one record to the chain, inside the caller's transaction."""
    head_table = AuditHead.__table__
    connection = db.connection()  # Core statements: no ORM bulk-update machinery per record
    head = connection.execute(
        update(head_table)
        .where(head_table.c.id == 1)
        .values(seq=head_table.c.seq + 1)
        .returning(head_table.c.seq, head_table.c.hash)
    ).one()
    entry = AuditRecord(
        seq=head.seq,
        at=utcnow(),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        tenant_finess=tenant_finess,
        before=redact(before) if before is not None else None,
        after=redact(after) if after is not None else None,
        prev_hash=head.hash,
    )
    entry.hash = compute_hash(entry)
    db.add(entry)
    connection.execute(update(head_table).where(head_table.c.id == 1).values(hash=entry.hash))
    return entry


def list_query(
    *, action: str | None = None, target_type: str | None = None, tenant: str | None = None,
    actor: str | None = None,
) -> Select[tuple[AuditRecord]]:
    """Audit records newest first, filtered by action, object type, tenant FINESS, actor."""
    stmt = select(AuditRecord).order_by(AuditRecord.seq.desc())
    if action:
        stmt = stmt.where(AuditRecord.action == action)
    if target_type:
        stmt = stmt.where(AuditRecord.target_type == target_type)
    if tenant:
        stmt = stmt.where(AuditRecord.tenant_finess == tenant.upper())
    if actor:
        stmt = stmt.where(AuditRecord.actor.contains(actor))
    return stmt


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`: ``first_bad`` is the id of the first broken record."""

    ok: bool
    checked: int
    first_bad: int | None = None
    reason: str | None = None


def verify(db: Session, *, batch_size: int = 1000) -> Verification:
    """Walk the chain and report the first modified, deleted, inserted or reordered record."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    rows = db.scalars(
        select(AuditRecord)
        .order_by(AuditRecord.seq, AuditRecord.id)
        .execution_options(yield_per=batch_size)
    )
    for entry in rows:
        checked += 1
        if entry.seq != expected_seq:
            return Verification(
                False,
                checked,
                entry.id,
                f"sequence {entry.seq} found where {expected_seq} was expected "
                "(a record was deleted or inserted)",
            )
        if entry.prev_hash != prev_hash:
            return Verification(
                False, checked, entry.id, "previous-hash link broken (deleted or reordered record)"
            )
        if compute_hash(entry) != entry.hash:
            return Verification(False, checked, entry.id, "content does not match its hash")
        prev_hash = entry.hash
        expected_seq += 1
    head = db.get(AuditHead, 1)
    if head is None or head.seq != expected_seq - 1 or head.hash != prev_hash:
        return Verification(
            False,
            checked,
            None,
            f"the chain ends at sequence {expected_seq - 1} but its head says "
            f"{head.seq if head else 'nothing'}: records were removed from the end",
        )
    return Verification(True, checked)
