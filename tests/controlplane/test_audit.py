"""The audit chain: append-only, tamper-evident, secret-free, via the API and the CLI."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from controlplane import audit
from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from controlplane.models import AuditRecord
from tests.conftest import TenantFactory, TokenFactory

runner = CliRunner()


def _drop_guard(database: Database) -> None:
    """Remove the append-only triggers, as an attacker with DDL rights would."""
    with database.engine.begin() as connection:
        if database.is_sqlite:
            connection.exec_driver_sql("DROP TRIGGER audit_records_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_records_no_delete")
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_records_append_only ON audit_records")


def _records(database: Database) -> list[AuditRecord]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return list(db.scalars(select(AuditRecord).order_by(AuditRecord.seq)))


@pytest.fixture
def chain(make_tenant: TenantFactory, database: Database) -> list[AuditRecord]:
    for _ in range(5):
        make_tenant()
    records = _records(database)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    return records


def _verify(client: TestClient, auth: TokenFactory) -> dict[str, object]:
    answer = client.get("/api/v1/audit/verify", headers=auth("auditor"))
    assert answer.status_code == 200
    return answer.json()


def test_intact_chain_verifies(client: TestClient, auth: TokenFactory,
                               chain: list[AuditRecord]) -> None:
    assert _verify(client, auth) == {"ok": True, "first_bad": None, "first_bad_seq": None,
                                     "checked": 5, "reason": None}
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "5 records checked" in result.output


def test_database_refuses_update_and_delete(database: Database,
                                            chain: list[AuditRecord]) -> None:
    for statement in ("UPDATE audit_records SET actor = 'mallory'", "DELETE FROM audit_records"):
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
            conn.execute(text(statement))
    assert len(_records(database)) == 5


def test_modified_record_is_named(client: TestClient, auth: TokenFactory, database: Database,
                                  chain: list[AuditRecord]) -> None:
    _drop_guard(database)
    victim = chain[2]
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_records SET actor = 'mallory' WHERE id = :id"),
                           {"id": victim.id})
    report = _verify(client, auth)
    assert report["ok"] is False and report["first_bad"] == victim.id
    assert "hash" in str(report["reason"])
    result = runner.invoke(cli, ["audit", "verify", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["first_bad"] == victim.id


def test_deleted_record_is_detected(client: TestClient, auth: TokenFactory, database: Database,
                                    chain: list[AuditRecord]) -> None:
    _drop_guard(database)
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_records WHERE id = :id"), {"id": chain[1].id})
    report = _verify(client, auth)
    assert report["ok"] is False and report["first_bad"] == chain[2].id


def test_records_deleted_from_the_end_are_detected(client: TestClient, auth: TokenFactory,
                                                   database: Database,
                                                   chain: list[AuditRecord]) -> None:
    _drop_guard(database)
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_records WHERE seq >= 4"))
    report = _verify(client, auth)
    assert report["ok"] is False and "removed from the end" in str(report["reason"])


def test_inserted_record_is_detected(client: TestClient, auth: TokenFactory, database: Database,
                                     chain: list[AuditRecord]) -> None:
    """A forged record slipped in at seq 3 with a plain SHA-256 (the key is out of reach):
    it is named itself, as it does not carry the chain's key."""
    _drop_guard(database)
    with database.engine.begin() as connection:
        for record in reversed(chain[2:]):
            connection.execute(text("UPDATE audit_records SET seq = seq + 1 WHERE id = :id"),
                               {"id": record.id})
    forged = AuditRecord(seq=3, at=chain[2].at, actor="mallory", action="tenant.create",
                         target_type="tenant", target_id="x", tenant_finess=None,
                         before=None, after={"name": "forged"}, prev_hash=chain[1].hash)
    forged.hash = audit.compute_hash(forged)
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.add(forged)
    report = _verify(client, auth)
    assert report["ok"] is False and report["first_bad"] == forged.id
    assert "no key (plain SHA-256) where key k1 was expected" in str(report["reason"])


def test_reordered_records_are_detected(client: TestClient, auth: TokenFactory,
                                        database: Database, chain: list[AuditRecord]) -> None:
    _drop_guard(database)
    first, second = chain[1], chain[2]
    with database.engine.begin() as connection:
        for record_id, seq in ((first.id, -1), (second.id, first.seq), (first.id, second.seq)):
            connection.execute(text("UPDATE audit_records SET seq = :seq WHERE id = :id"),
                               {"seq": seq, "id": record_id})
    report = _verify(client, auth)
    assert report["ok"] is False and report["first_bad"] == second.id


def test_no_secret_enters_the_log(client: TestClient, auth: TokenFactory,
                                  make_tenant: TenantFactory, database: Database) -> None:
    tenant = make_tenant()
    issued = client.post("/api/v1/tokens", headers=auth("gcs-operator"),
                         json={"name": "etab", "role": "establishment", "tenant": tenant.finess})
    assert issued.status_code == 201
    secret = issued.json()["token"]
    cli_token = runner.invoke(cli, ["token", "create", "--role", "auditor", "--json"])
    cli_secret = json.loads(cli_token.stdout)["token"]
    dumped = json.dumps([[r.before, r.after, r.actor, r.target_id] for r in _records(database)])
    assert secret not in dumped and cli_secret not in dumped
    assert secret[len("socle_"):][:20] not in dumped
    assert audit.redact({"snmp": {"auth_password": "x", "user": "u"}, "secret_key": "k"}) == {
        "snmp": {"auth_password": "***", "user": "u"}, "secret_key": "***"}


def test_audit_listing_is_for_auditors_and_filters(client: TestClient, auth: TokenFactory,
                                                   chain: list[AuditRecord]) -> None:
    listing = client.get("/api/v1/audit?action=tenant.create&limit=2", headers=auth("auditor"))
    body = listing.json()
    assert body["total"] == 5 and len(body["items"]) == 2
    assert body["items"][0]["seq"] == 5
    assert client.get("/api/v1/audit", headers=auth("network-engineer")).status_code == 403
