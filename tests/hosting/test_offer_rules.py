"""An archive offer is always write-once with a retention: the catalogue refuses one
without ``retention_days`` or with ``immutable: false`` (422 naming the field, nothing
created), implies ``immutable`` when omitted, and no edit can take either away."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from controlplane.auth import Role
from controlplane.db import Database, Scope
from controlplane.models import AuditRecord
from hosting.catalogue.models import Offer
from tests.conftest import TokenFactory
from tests.hosting.factories import offer_body

OFFERS = "/api/v1/hosting/offers"


def _counts(database: Database) -> tuple[int, int]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return (db.scalar(select(func.count()).select_from(Offer)) or 0,
                db.scalar(select(func.count()).select_from(AuditRecord)) or 0)


def _fields(answer: Any) -> set[str]:
    assert answer.status_code == 422, answer.text
    return {error["field"] for error in answer.json()["errors"]}


def test_an_archive_offer_needs_its_retention_and_cannot_be_unlocked(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    operator = auth(Role.GCS_OPERATOR)
    before = _counts(database)
    assert _fields(client.post(OFFERS, json=offer_body(1, "archive"),
                               headers=operator)) == {"retention_days"}
    assert _fields(client.post(OFFERS, json=offer_body(1, "archive", immutable=True),
                               headers=operator)) == {"retention_days"}
    assert _fields(client.post(OFFERS, json=offer_body(1, "archive", retention_days=None),
                               headers=operator)) == {"retention_days"}
    unlocked = client.post(OFFERS, json=offer_body(1, "archive", retention_days=3650,
                                                   immutable=False), headers=operator)
    assert _fields(unlocked) == {"immutable"}
    assert "write-once" in unlocked.json()["detail"]
    assert _counts(database) == before  # no offer, no audit record

    made = client.post(OFFERS, json=offer_body(1, "archive", retention_days=3650),
                       headers=operator)
    assert made.status_code == 201, made.text
    assert (made.json()["immutable"], made.json()["retention_days"]) == (True, 3650)
    offer_url = f"{OFFERS}/{made.json()['id']}"
    for change in ({"retention_days": None}, {"retention_days": 1}, {"immutable": False},
                   {"kind": "storage"}):
        refused = client.patch(offer_url, json=change, headers=operator)
        assert _fields(refused) == set(change), change
    kept = client.get(offer_url, headers=operator).json()
    assert (kept["kind"], kept["immutable"], kept["retention_days"]) == ("archive", True, 3650)


def test_other_kinds_keep_immutable_optional(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    operator = auth(Role.GCS_OPERATOR)
    tier = client.post(OFFERS, json=offer_body(2, "backup"), headers=operator)
    assert tier.status_code == 201, tier.text
    assert tier.json()["immutable"] is False
    locked = client.post(OFFERS, json=offer_body(3, "backup", immutable=True), headers=operator)
    assert locked.status_code == 201 and locked.json()["immutable"] is True
    storage = client.post(OFFERS, json=offer_body(4), headers=operator)
    assert storage.status_code == 201 and storage.json()["immutable"] is False
