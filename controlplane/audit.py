"""Append-only audit log, chained by HMAC-SHA256 so that tampering is detectable.

Each record's hash is HMAC-SHA256, under a key kept outside the database, of the
previous record's hash and the record's canonical content (records written before the
chain was keyed carry a plain SHA-256 of their content and ``key_id`` NULL). Someone who
can write the database but not read the key cannot recompute the hashes after a record
they changed, so :func:`verify` names it.

The keys are 0600 files in ``SOCLE_DATA_DIR/secrets/audit/`` (:class:`Keyring`), one per
key id (``k1``, ``k2``...), each saying from which sequence number on it chains the
records. The first is made when the first keyed record is written; :func:`rotate_key`
makes the next one; old keys are kept so older records stay verifiable. A record's key
is therefore fixed by its sequence number: the newest key whose ``from_seq`` it reached.

The single ``audit_head`` row holds the last sequence number, hash and key id: appending
updates it first, which serialises concurrent writers (row lock on PostgreSQL, write
lock on SQLite) with each other and with a rotation, and it lets :func:`verify` notice
records deleted from the end of the chain. Records are written in the same transaction
as the change they describe.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from controlplane.db import utcnow
from controlplane.errors import SocleError
from controlplane.models import AuditHead, AuditRecord
from controlplane.secrets import SecretError, SecretNamespace
from controlplane.settings import get_settings

GENESIS_HASH = "0" * 64
REDACTED = "***"
_SECRET_WORDS = ("password", "secret", "token", "private", "passphrase", "community",
                 "auth_key", "priv_key", "api_key", "access_key")

#: Where the chain's keys are: ``SOCLE_DATA_DIR/secrets/audit/``.
AUDIT_SECRETS = SecretNamespace("audit")
KEY_BYTES = 32
_KEY_FILE = re.compile(r"^audit-chain-k([1-9][0-9]{0,8})\.key$")


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


class AuditKeyError(SocleError):
    """The chain's keys on this host do not fit the chain (missing, or another chain's):
    nothing is audited, so nothing is changed, until an operator fixes it."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail, code="CP-0007", status=503,
                         title="Audit chain key unavailable")


@dataclass(frozen=True)
class ChainKey:
    """One key of the chain: records from ``from_seq`` on use it, until the next key's."""

    key_id: str
    from_seq: int
    secret: bytes = field(repr=False)

    @property
    def number(self) -> int:
        """The key's rank (``k3`` → 3)."""
        return key_number(self.key_id)


def key_number(key_id: str) -> int:
    """The rank of a key id (``k3`` → 3)."""
    return int(key_id[1:])


def _key_file(number: int) -> str:
    return f"audit-chain-k{number}.key"


class Keyring:
    """The chain's keys, files of ``data_dir/secrets/audit/`` (never in the database)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.directory = AUDIT_SECRETS.directory(data_dir)

    def numbers(self) -> list[int]:
        """The ranks of the keys present, in order."""
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        return sorted(int(m.group(1)) for m in map(_KEY_FILE.match, names) if m)

    def load(self, number: int) -> ChainKey:
        """Key ``k<number>``; :class:`AuditKeyError` (naming the file, never its content)
        if it is unreadable, readable by others or malformed."""
        name = _key_file(number)
        try:
            stored = json.loads(AUDIT_SECRETS.resolve(f"file:{name}", self.data_dir))
            key = ChainKey(str(stored["key_id"]), int(stored["from_seq"]),
                           bytes.fromhex(stored["key"]))
        except SecretError as exc:
            raise AuditKeyError(f"audit chain key: {exc}") from None
        except (ValueError, KeyError, TypeError):
            raise AuditKeyError(f"audit chain key {self.directory / name}: malformed") from None
        if key.key_id != f"k{number}" or key.from_seq < 1 or len(key.secret) < KEY_BYTES:
            raise AuditKeyError(f"audit chain key {self.directory / name}: malformed")
        return key

    def keys(self) -> list[ChainKey]:
        """Every key, oldest first."""
        return [self.load(number) for number in self.numbers()]

    def current(self) -> ChainKey | None:
        """The newest key, if any."""
        numbers = self.numbers()
        return self.load(numbers[-1]) if numbers else None

    def create(self, number: int, from_seq: int) -> ChainKey | None:
        """Make key ``k<number>`` for the records from ``from_seq`` on (None if it exists).

        The file is written privately and hard-linked into place: no reader sees it half
        written, and of two processes making it at once one only succeeds.
        """
        key = ChainKey(f"k{number}", from_seq, secrets.token_bytes(KEY_BYTES))
        content = json.dumps({"key_id": key.key_id, "from_seq": from_seq,
                              "key": key.secret.hex()})
        self._private_directory()
        descriptor, candidate = tempfile.mkstemp(dir=self.directory, prefix=".new-")  # 0600
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(content + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(candidate, self.directory / _key_file(number))
            except FileExistsError:
                return None
        finally:
            os.unlink(candidate)
        return key

    def _private_directory(self) -> None:
        for folder in (self.directory.parent, self.directory):
            if not folder.is_dir():
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                folder.chmod(0o700)  # whatever the umask


def keyring() -> Keyring:
    """The keyring of the configured data directory."""
    return Keyring(get_settings().data_dir)


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
    if record.key_id is not None:  # unkeyed records keep the content they were hashed with
        payload["key"] = record.key_id
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(record: AuditRecord, key: bytes | None = None) -> str:
    """The hash a record must carry, given its content, ``prev_hash`` and ``key_id``:
    HMAC-SHA256 under ``key`` of the previous hash and the content, or without a key
    (records from before the chain was keyed) the SHA-256 of the content."""
    if key is None:
        return hashlib.sha256(_canonical(record)).hexdigest()
    message = record.prev_hash.encode("ascii") + _canonical(record)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _signing_key(ring: Keyring, seq: int, head_key_id: str | None) -> ChainKey:
    """The key record ``seq`` is chained with (made if the chain has none yet); called
    with the head locked, so a rotation is either wholly before or wholly after."""
    current = ring.current()
    if current is None and head_key_id is None:
        current = ring.create(1, from_seq=seq) or ring.current()
    if current is None or (head_key_id is not None
                           and key_number(head_key_id) > current.number):
        raise AuditKeyError(
            f"the audit chain is keyed with {head_key_id} but {ring.directory} does not "
            "hold it: copy the keys from the host that made them (every host writing the "
            "database shares them), or rotate to a new key (socle audit rotate-key)"
        )
    if current.from_seq > seq:
        raise AuditKeyError(
            f"audit chain key {current.key_id} in {ring.directory} starts at sequence "
            f"{current.from_seq} but the chain is at {seq}: these keys belong to another "
            "database (move them away if this database was recreated)"
        )
    return current


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
        .returning(head_table.c.seq, head_table.c.hash, head_table.c.key_id)
    ).one()
    key = _signing_key(keyring(), head.seq, head.key_id)
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
        key_id=key.key_id,
    )
    entry.hash = compute_hash(entry, key.secret)
    db.add(entry)
    connection.execute(update(head_table).where(head_table.c.id == 1)
                       .values(hash=entry.hash, key_id=key.key_id))
    return entry


def rotate_key(db: Session, *, actor: str) -> ChainKey:
    """Make the next key: the records after the current head are chained with it (this
    rotation's own record first). Older keys are kept; the new key is never shown."""
    head_table = AuditHead.__table__
    head = db.connection().execute(  # a no-op update: holds the append lock meanwhile
        update(head_table)
        .where(head_table.c.id == 1)
        .values(seq=head_table.c.seq)
        .returning(head_table.c.seq, head_table.c.key_id)
    ).one()
    ring = keyring()
    latest = max([0, *ring.numbers()])
    if head.key_id is not None:  # the keys were lost: go on after the one the chain is at
        latest = max(latest, key_number(head.key_id))
    key = ring.create(latest + 1, from_seq=head.seq + 1)
    if key is None:  # only a process bypassing the head lock could get here
        raise AuditKeyError(f"audit chain key k{latest + 1} appeared meanwhile: try again")
    record(db, actor=actor, action="audit.key.rotate", target_type="audit_key",
           target_id=key.key_id, after={"key_id": key.key_id, "from_seq": key.from_seq})
    return key


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


def export_entry(entry: AuditRecord) -> dict[str, Any]:
    """One record as a SIEM reads it: its content, sequence number, hashes and key id."""
    return {
        "seq": entry.seq,
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "tenant_finess": entry.tenant_finess,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "key_id": entry.key_id,
    }


def export_lines(db: Session, *, since: int = 0, limit: int | None = None,
                 batch_size: int = 1000) -> Iterator[str]:
    """The records after sequence ``since``, oldest first, as JSON lines (no newline);
    at most ``limit`` of them."""
    stmt = select(AuditRecord).where(AuditRecord.seq > since).order_by(AuditRecord.seq)
    if limit is not None:
        stmt = stmt.limit(limit)
    for entry in db.scalars(stmt.execution_options(yield_per=batch_size)):
        yield json.dumps(export_entry(entry), ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`: ``first_bad`` is the id of the first broken record,
    ``first_bad_seq`` its sequence number."""

    ok: bool
    checked: int
    first_bad: int | None = None
    reason: str | None = None
    first_bad_seq: int | None = None


class _Schedule:
    """Which key each sequence number must have been chained with."""

    def __init__(self, keys: list[ChainKey]) -> None:
        ordered = sorted(keys, key=lambda key: (key.from_seq, key.number))
        self.by_id = {key.key_id: key for key in ordered}
        self._starts = [key.from_seq for key in ordered]
        self._keys = ordered

    def expected(self, seq: int) -> ChainKey | None:
        """The newest key whose ``from_seq`` ``seq`` reached (None: before keying)."""
        index = bisect_right(self._starts, seq)
        return self._keys[index - 1] if index else None


def _check(entry: AuditRecord, expected_seq: int, prev_hash: str,
           schedule: _Schedule) -> str | None:
    """Why ``entry`` breaks the chain, or None."""
    if entry.seq != expected_seq:
        return (f"sequence {entry.seq} found where {expected_seq} was expected "
                "(a record was deleted or inserted)")
    if entry.prev_hash != prev_hash:
        return "previous-hash link broken (deleted or reordered record)"
    if entry.key_id is not None and entry.key_id not in schedule.by_id:
        return (f"chained with key {entry.key_id}, which the keyring does not hold "
                "(a forged key id, or a key lost)")
    expected = schedule.expected(entry.seq)
    expected_id = expected.key_id if expected else None
    if entry.key_id != expected_id:
        return (f"chained with {_key_words(entry.key_id)} where {_key_words(expected_id)} "
                "was expected (rewritten)")
    if compute_hash(entry, expected.secret if expected else None) != entry.hash:
        return "content does not match its hash"
    return None


def _key_words(key_id: str | None) -> str:
    return f"key {key_id}" if key_id else "no key (plain SHA-256)"


def verify(db: Session, *, keys: Keyring | None = None, batch_size: int = 1000) -> Verification:
    """Walk the chain and report the first modified, deleted, inserted, reordered or
    re-hashed record (``keys``: the configured data directory's keyring by default)."""
    schedule = _Schedule((keys or keyring()).keys())
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
        problem = _check(entry, expected_seq, prev_hash, schedule)
        if problem is not None:
            return Verification(False, checked, entry.id, f"seq {entry.seq}: {problem}",
                                entry.seq)
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
