"""The keyed audit chain: HMAC under keys outside the database, rotation, records from
before the upgrade, a rewrite by someone with database access, the JSON-lines export."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import stat
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from controlplane import audit
from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope, utcnow
from controlplane.db.migrate import alembic_config, upgrade
from controlplane.models import AuditHead, AuditRecord
from controlplane.settings import Settings
from tests.conftest import TenantFactory, TokenFactory
from tests.controlplane.test_audit import _drop_guard

runner = CliRunner()


def _records(database: Database) -> list[AuditRecord]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return list(db.scalars(select(AuditRecord).order_by(AuditRecord.seq)))


def _key_dir(settings: Settings) -> Path:
    return settings.data_dir / "secrets" / "audit"


def _key_hex(settings: Settings, key_id: str) -> str:
    stored = json.loads((_key_dir(settings) / f"audit-chain-{key_id}.key").read_text())
    return str(stored["key"])


def _verify(client: TestClient, headers: dict[str, str]) -> dict[str, object]:
    answer = client.get("/api/v1/audit/verify", headers=headers)
    assert answer.status_code == 200
    return answer.json()


@pytest.fixture
def chain(make_tenant: TenantFactory, database: Database) -> list[AuditRecord]:
    for _ in range(5):
        make_tenant()
    records = _records(database)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    return records


def test_records_are_chained_by_hmac_under_a_private_key(
    settings: Settings, chain: list[AuditRecord], caplog: pytest.LogCaptureFixture
) -> None:
    key_file = _key_dir(settings) / "audit-chain-k1.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(_key_dir(settings).stat().st_mode) == 0o700
    key = bytes.fromhex(_key_hex(settings, "k1"))
    for entry in chain:
        assert entry.key_id == "k1"
        message = entry.prev_hash.encode() + audit._canonical(entry)
        assert entry.hash == hmac.new(key, message, hashlib.sha256).hexdigest()
        assert entry.hash != audit.compute_hash(entry)  # not the plain SHA-256 any more
    assert chain[0].prev_hash == audit.GENESIS_HASH
    with caplog.at_level(logging.DEBUG):
        shown = [runner.invoke(cli, args) for args in
                 (["audit", "verify"], ["audit", "list", "--json"], ["audit", "export"])]
    assert all(result.exit_code == 0 for result in shown)
    assert all(key.hex() not in result.output for result in shown)
    assert key.hex() not in caplog.text


@pytest.mark.parametrize("forgery", ["plain-sha256", "guessed-key", "forged-key-id"])
def test_rewritten_chain_is_detected(
    forgery: str, client: TestClient, auth: TokenFactory, database: Database,
    chain: list[AuditRecord],
) -> None:
    """Triggers dropped, record 3 edited, every later hash and the head recomputed."""
    headers = auth("auditor")
    _drop_guard(database)
    guessed = b"\x00" * 32
    prev_hash = chain[1].hash
    with database.engine.begin() as connection:
        for entry in chain[2:]:
            if entry.seq == 3:
                entry.actor = "mallory"
            entry.prev_hash = prev_hash
            entry.key_id = {"plain-sha256": None, "guessed-key": "k1",
                            "forged-key-id": "k9"}[forgery]
            entry.hash = audit.compute_hash(entry, None if entry.key_id is None else guessed)
            connection.execute(
                text("UPDATE audit_records SET actor = :actor, prev_hash = :prev, "
                     "hash = :hash, key_id = :key WHERE id = :id"),
                {"actor": entry.actor, "prev": entry.prev_hash, "hash": entry.hash,
                 "key": entry.key_id, "id": entry.id},
            )
            prev_hash = entry.hash
        connection.execute(text("UPDATE audit_head SET seq = 5, hash = :hash, key_id = :key"),
                           {"hash": prev_hash, "key": chain[-1].key_id})
    report = _verify(client, headers)
    assert report["ok"] is False and report["first_bad"] == chain[2].id
    assert report["first_bad_seq"] == 3 and str(report["reason"]).startswith("seq 3:")
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"seq 3 (record id {chain[2].id})" in result.output


def test_rotation_keeps_old_keys_and_chains_on(settings: Settings, database: Database,
                                              make_tenant: TenantFactory,
                                              caplog: pytest.LogCaptureFixture) -> None:
    make_tenant()
    make_tenant()
    with caplog.at_level(logging.DEBUG):
        rotated = runner.invoke(cli, ["audit", "rotate-key", "--json"])
    assert rotated.exit_code == 0, rotated.output
    assert json.loads(rotated.stdout) == {"key_id": "k2", "from_seq": 3}
    make_tenant()
    records = _records(database)
    assert [(r.seq, r.key_id) for r in records] == [(1, "k1"), (2, "k1"), (3, "k2"), (4, "k2")]
    assert records[2].action == "audit.key.rotate" and records[2].after == {
        "key_id": "k2", "from_seq": 3}
    assert records[2].prev_hash == records[1].hash
    assert sorted(p.name for p in _key_dir(settings).iterdir()) == [
        "audit-chain-k1.key", "audit-chain-k2.key"]
    new_key = _key_hex(settings, "k2")
    assert new_key not in rotated.output and new_key not in caplog.text
    verified = runner.invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0 and "4 records checked" in verified.output


def test_a_record_moved_to_the_old_key_is_detected(settings: Settings, database: Database,
                                                   make_tenant: TenantFactory) -> None:
    """Even with the old key, a record cannot be re-chained under a key not its own."""
    make_tenant()
    assert runner.invoke(cli, ["audit", "rotate-key"]).exit_code == 0
    make_tenant()
    _drop_guard(database)
    last = _records(database)[-1]
    last.key_id = "k1"
    last.hash = audit.compute_hash(last, bytes.fromhex(_key_hex(settings, "k1")))
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_records SET hash = :hash, key_id = 'k1' "
                                "WHERE id = :id"), {"hash": last.hash, "id": last.id})
        connection.execute(text("UPDATE audit_head SET hash = :hash, key_id = 'k1'"),
                           {"hash": last.hash})
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        result = audit.verify(db)
    assert not result.ok and result.first_bad_seq == 3
    assert "key k1 where key k2 was expected" in str(result.reason)


def test_writes_stop_when_the_keys_are_missing(settings: Settings, database: Database,
                                               chain: list[AuditRecord]) -> None:
    """A host without the keys refuses to fork the chain under a key of its own."""
    _key_dir(settings).rename(settings.data_dir / "keys-elsewhere")
    with (pytest.raises(audit.AuditKeyError, match="keyed with k1") as refused,
          database.transaction(scope=Scope.unrestricted()) as db):
        audit.record(db, actor="tests", action="tenant.update", target_type="tenant",
                     target_id=1)
    assert refused.value.status == 503 and refused.value.code == "CP-0007"
    assert len(_records(database)) == 5
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        result = audit.verify(db)
    assert not result.ok and result.first_bad_seq == 1
    assert "which the keyring does not hold" in str(result.reason)


def _legacy_records(database: Database, count: int) -> None:
    """Records as Socle wrote them before migration 0025: plain SHA-256, no key id."""
    records, heads = AuditRecord.__table__, AuditHead.__table__
    with database.engine.begin() as connection:
        for number in range(count):
            head = connection.execute(select(heads.c.seq, heads.c.hash)).one()
            entry = AuditRecord(seq=head.seq + 1, at=utcnow(), actor="before-upgrade",
                                action="tenant.create", target_type="tenant",
                                target_id=str(number), tenant_finess=None, before=None,
                                after={"n": number}, prev_hash=head.hash)
            entry.hash = audit.compute_hash(entry)
            connection.execute(records.insert().values(
                seq=entry.seq, at=entry.at, actor=entry.actor, action=entry.action,
                target_type=entry.target_type, target_id=entry.target_id,
                tenant_finess=None, before=None, after=entry.after,
                prev_hash=entry.prev_hash, hash=entry.hash))
            connection.execute(heads.update().values(seq=entry.seq, hash=entry.hash))


def test_upgrade_keeps_old_records_verifiable_and_keys_the_rest(
    settings: Settings, database: Database, make_tenant: TenantFactory
) -> None:
    command.downgrade(alembic_config(database.url), "0024")
    _legacy_records(database, 3)
    upgrade(database.url)
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_records SET actor = 'mallory'"))
    make_tenant()
    make_tenant()
    records = _records(database)
    assert [r.key_id for r in records] == [None, None, None, "k1", "k1"]
    assert records[3].prev_hash == records[2].hash  # chains on from the last unkeyed hash
    assert json.loads((_key_dir(settings) / "audit-chain-k1.key").read_text())["from_seq"] == 4
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert audit.verify(db).ok

    # Rewriting from an old record on, all with plain SHA-256, breaks at the first keyed one
    _drop_guard(database)
    prev_hash = records[0].hash
    with database.engine.begin() as connection:
        for entry in records[1:]:
            entry.actor = "mallory" if entry.seq == 2 else entry.actor
            entry.prev_hash, entry.key_id = prev_hash, None
            entry.hash = audit.compute_hash(entry)
            connection.execute(text("UPDATE audit_records SET actor = :actor, prev_hash = :p, "
                                    "hash = :h, key_id = NULL WHERE id = :id"),
                               {"actor": entry.actor, "p": entry.prev_hash, "h": entry.hash,
                                "id": entry.id})
            prev_hash = entry.hash
        connection.execute(text("UPDATE audit_head SET hash = :h, key_id = NULL"),
                           {"h": prev_hash})
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        result = audit.verify(db)
    assert not result.ok and result.first_bad_seq == 4


def test_export_as_json_lines(client: TestClient, auth: TokenFactory,
                              chain: list[AuditRecord]) -> None:
    result = runner.invoke(cli, ["audit", "export", "--jsonl"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["seq"] for line in lines] == [1, 2, 3, 4, 5]
    assert all(line["key_id"] == "k1" for line in lines)
    assert [line["hash"] for line in lines] == [r.hash for r in chain]
    assert lines[1]["prev_hash"] == lines[0]["hash"]
    assert lines[0]["action"] == "tenant.create" and lines[0]["after"] == chain[0].after
    since = runner.invoke(cli, ["audit", "export", "--jsonl", "--since", "3"])
    assert [json.loads(line)["seq"] for line in since.stdout.splitlines()] == [4, 5]

    listed = client.get("/api/v1/audit", headers=auth("auditor")).json()["items"]
    assert listed and all(item["key_id"] == "k1" for item in listed)  # the key is never shown
    answer = client.get("/api/v1/audit/export?since=2&limit=2", headers=auth("auditor"))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    api_lines = [json.loads(line) for line in answer.text.splitlines()]
    assert api_lines == lines[2:4]
    refused = client.get("/api/v1/audit/export", headers=auth("network-engineer"))
    assert refused.status_code == 403


def test_migration_down_and_up_keeps_the_triggers(database: Database,
                                                 make_tenant: TenantFactory) -> None:
    command.downgrade(alembic_config(database.url), "0024")
    columns = {column["name"] for column in inspect(database.engine).get_columns("audit_records")}
    assert "key_id" not in columns
    upgrade(database.url)
    make_tenant()
    for statement in ("UPDATE audit_records SET actor = 'mallory'", "DELETE FROM audit_records"):
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
            conn.execute(text(statement))
