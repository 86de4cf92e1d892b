"""The long-term archive against a real SeaweedFS with Object Lock: deposit, list, integrity
check, byte-identical retrieval; the provider refuses deleting or replacing a deposit."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database, Scope
from hosting.archive.models import ArchiveItem
from hosting.sim.providers import SimulatedProviders
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import HostingFactory, offer_body
from tests.hosting.regions import HOST, register, subscribe
from tests.hosting.test_hosting_cli import socle

ARCHIVES = f"{HOST}/archives"


def archive_offer(n: int) -> dict[str, Any]:
    """A write-once archive offer: 10 to 30 years, 10 by default."""
    return offer_body(
        n,
        "archive",
        immutable=True,
        retention_days=3650,
        parameters={
            "retention_years": {"min": 10, "max": 30, "default": 10, "unit": "year"},
            "size_gb": {"min": 1, "max": 1000, "default": 10, "unit": "GB",
                        "unit_price_cents": 3},
        },
    )


@pytest.fixture
def archive_subscription(
    providers: SimulatedProviders, client: TestClient, database: Database, auth: TokenFactory,
    make_tenant: TenantFactory, monkeypatch: pytest.MonkeyPatch,
) -> tuple[Any, dict[str, Any]]:
    register(client, auth, monkeypatch, "hds-a", "Paris", s3=providers.s3[0])
    tenant = make_tenant()
    subscription = subscribe(client, database, auth, tenant, archive_offer(1), retention_years=12)
    return tenant, subscription


def test_deposit_check_and_retrieve_on_a_write_once_bucket(
    providers: SimulatedProviders, archive_subscription: tuple[Any, dict[str, Any]],
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, database: Database,
) -> None:
    tenant, subscription = archive_subscription
    own = auth(Role.ESTABLISHMENT, tenant)
    document = os.urandom(3 * 1024 * 1024 + 17)  # several chunks, not a multiple of one
    name = "Dossier patient 2026 — clôture.pdf"
    made = client.post(ARCHIVES, params={"subscription_id": subscription["id"], "name": name},
                       content=document, headers=own)
    assert made.status_code == 201, made.text
    item = made.json()
    assert item["sha256"] == hashlib.sha256(document).hexdigest()
    assert item["size_bytes"] == len(document) and item["tenant"] == tenant.finess
    assert datetime.fromisoformat(item["retain_until"]).year == datetime.now(UTC).year + 12
    (copy,) = item["copies"]
    assert copy["provider"] == "hds-a" and copy["resource"] == "bucket-0"

    # the same name again is refused; a bad name names the field
    again = client.post(ARCHIVES, params={"subscription_id": subscription["id"], "name": name},
                        content=b"other", headers=own)
    assert again.status_code == 409 and again.json()["code"] == "HOST-0152"
    bad = client.post(ARCHIVES, params={"subscription_id": subscription["id"], "name": "a/b"},
                      content=b"x", headers=own)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "name"

    # at the provider: the version is locked in COMPLIANCE mode; deleting it is refused
    s3 = boto3.client("s3", **providers.s3[0].boto3_kwargs())
    head = s3.head_object(Bucket=copy["bucket"], Key=f"archive/{name}",
                          VersionId=copy["version_id"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"].year == datetime.now(UTC).year + 12
    with pytest.raises(ClientError):
        s3.delete_object(Bucket=copy["bucket"], Key=f"archive/{name}",
                         VersionId=copy["version_id"])
    # an overwrite only adds a version: the deposit stays, and is what comes back
    s3.put_object(Bucket=copy["bucket"], Key=f"archive/{name}", Body=b"forged")
    versions = s3.list_object_versions(Bucket=copy["bucket"], Prefix=f"archive/{name}")
    assert copy["version_id"] in {v["VersionId"] for v in versions["Versions"]}

    content = client.get(f"{ARCHIVES}/{item['id']}/content", headers=own)
    assert content.status_code == 200
    assert content.content == document
    assert content.headers["x-socle-sha256"] == item["sha256"]

    checked = client.post(f"{ARCHIVES}/{item['id']}/verify", headers=own)
    assert checked.status_code == 200, checked.text
    assert checked.json()["verified_ok"] is True
    assert checked.json()["verify_detail"][0]["sha256"] == item["sha256"]

    listed = client.get(ARCHIVES, params={"subscription_id": subscription["id"]}, headers=own)
    assert listed.json()["total"] == 1 and listed.json()["items"][0]["name"] == name

    # another establishment sees nothing of it
    other = auth(Role.ESTABLISHMENT, make_tenant())
    assert client.get(f"{ARCHIVES}/{item['id']}", headers=other).status_code == 404
    assert client.get(f"{ARCHIVES}/{item['id']}/content", headers=other).status_code == 404
    assert client.get(ARCHIVES, headers=other).json()["total"] == 0
    assert client.post(ARCHIVES, params={"subscription_id": subscription["id"], "name": "x"},
                       content=b"x", headers=other).status_code == 404

    # a copy that no longer matches its recorded digest is reported and never served
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.get_one(ArchiveItem, item["id"]).sha256 = "0" * 64
    failed = client.post(f"{ARCHIVES}/{item['id']}/verify", headers=own).json()
    assert failed["verified_ok"] is False
    assert "differs" in failed["verify_detail"][0]["error"]
    refused = client.get(f"{ARCHIVES}/{item['id']}/content", headers=own)
    assert refused.status_code == 502 and refused.json()["code"] == "HOST-0009"


def test_only_an_archive_subscription_takes_deposits(
    client: TestClient, database: Database, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    tenant = make_tenant()
    storage = HostingFactory(database).subscription(tenant).model_dump()
    answer = client.post(ARCHIVES, params={"subscription_id": storage["id"], "name": "x"},
                         content=b"x", headers=auth(Role.ESTABLISHMENT, tenant))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "subscription"
    with database.transaction(scope=Scope.unrestricted()) as db:
        assert db.query(ArchiveItem).count() == 0


def test_archive_from_the_cli(
    archive_subscription: tuple[Any, dict[str, Any]], tmp_path: Path
) -> None:
    tenant, subscription = archive_subscription
    source = tmp_path / "compte-rendu.bin"
    source.write_bytes(os.urandom(200_000))
    made = socle("archive", "deposit", str(subscription["id"]), str(source), "--json")
    assert made["name"] == "compte-rendu.bin" and made["tenant"] == tenant.finess
    socle("archive", "deposit", str(subscription["id"]), str(source), code=4)  # same name
    listed = socle("archive", "list", "--tenant", tenant.finess, "--json")
    assert [item["id"] for item in listed] == [made["id"]]
    assert socle("archive", "verify", str(made["id"]), "--json")["verified_ok"] is True
    copy = tmp_path / "copy.bin"
    socle("archive", "get", str(made["id"]), "--output", str(copy))
    assert copy.read_bytes() == source.read_bytes()
    socle("archive", "show", "999", code=3)
