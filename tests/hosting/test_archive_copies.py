"""A two-copy archive against two real SeaweedFS providers with Object Lock: every copy's
bucket is write-once, a deposit lands locked on both, verification reads both, and a
copy rotten on one provider's disk is reported while retrieval serves the other.

The bit rot is real: one byte of the document is flipped inside the SeaweedFS volume
file of the first provider (its data directory), with the needle's CRC fixed up so the
provider itself serves the rotten bytes, as silent corruption at a provider would.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database
from hosting.sim.endpoints import Endpoint
from hosting.sim.providers import SimulatedProviders
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.regions import HOST, register, subscribe
from tests.hosting.test_archive import archive_offer

ARCHIVES = f"{HOST}/archives"


def s3(endpoint: Endpoint) -> Any:
    """A boto3 S3 client on a simulated provider."""
    return boto3.client("s3", **endpoint.boto3_kwargs())


def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


CRC32C = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), the checksum SeaweedFS keeps with each needle."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = CRC32C[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def rot_one_byte(data_dir: Path, bucket: str, document: bytes) -> None:
    """Flip one byte of ``document`` where SeaweedFS stored it for ``bucket``, and fix the
    needle's own CRC so the provider does not notice and serves the rotten bytes.

    A SeaweedFS needle is a 16-byte header (cookie, id, body size), the data size, the
    data, flags and attributes, then the CRC-32C of the data (big-endian).
    """
    for volume in sorted(data_dir.rglob(f"{bucket}_*.dat")):
        raw = bytearray(volume.read_bytes())
        data = raw.find(document[:64])  # random bytes: found once, at the needle's data
        if data < 0:
            continue
        assert int.from_bytes(raw[data - 4:data]) == len(document), "unexpected needle layout"
        header = data - 4 - 16
        tail = header + 16 + int.from_bytes(raw[header + 12:header + 16])
        assert int.from_bytes(raw[tail:tail + 4]) == crc32c(document), "unexpected needle CRC"
        raw[data + 1000] ^= 0xFF
        raw[tail:tail + 4] = crc32c(bytes(raw[data:data + len(document)])).to_bytes(4)
        volume.write_bytes(bytes(raw))
        return
    raise AssertionError(f"no volume of {bucket} under {data_dir} holds the document")


def test_two_copy_archive_locks_both_buckets_and_survives_one_rotten_copy(
    providers: SimulatedProviders, client: TestClient, database: Database,
    auth: TokenFactory, make_tenant: TenantFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for endpoint, location in zip(providers.s3, ("Paris", "Lyon"), strict=True):
        register(client, auth, monkeypatch, endpoint.name, location, s3=endpoint)
    tenant = make_tenant()
    own = auth(Role.ESTABLISHMENT, tenant)
    subscription = subscribe(client, database, auth, tenant, {**archive_offer(7), "copies": 2},
                             retention_years=10)

    # both copies' buckets are write-once (COMPLIANCE, the offer's retention) at their provider
    buckets = {r["key"]: r for r in subscription["resources"]}
    assert [buckets[k]["provider"] for k in ("bucket-0", "bucket-1")] == \
        [e.name for e in providers.s3]
    for endpoint, key in zip(providers.s3, ("bucket-0", "bucket-1"), strict=True):
        name = buckets[key]["external_id"]
        rule = s3(endpoint).get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
        assert rule["ObjectLockEnabled"] == "Enabled"
        assert rule["Rule"]["DefaultRetention"] == {"Mode": "COMPLIANCE", "Days": 3650}

    # a deposit lands on both, each version locked; deleting either is refused
    document = os.urandom(64 * 1024 + 3)
    made = client.post(ARCHIVES, params={"subscription_id": subscription["id"],
                                         "name": "bilan-2026.pdf"},
                       content=document, headers=own)
    assert made.status_code == 201, made.text
    item = made.json()
    assert item["sha256"] == hashlib.sha256(document).hexdigest()
    copies = item["copies"]
    assert [(c["provider"], c["resource"]) for c in copies] == \
        [(providers.s3[0].name, "bucket-0"), (providers.s3[1].name, "bucket-1")]
    for endpoint, copy in zip(providers.s3, copies, strict=True):
        client_ = s3(endpoint)
        head = client_.head_object(Bucket=copy["bucket"], Key="archive/bilan-2026.pdf",
                                   VersionId=copy["version_id"])
        assert head["ObjectLockMode"] == "COMPLIANCE" and head["ContentLength"] == len(document)
        with pytest.raises(ClientError):
            client_.delete_object(Bucket=copy["bucket"], Key="archive/bilan-2026.pdf",
                                  VersionId=copy["version_id"])
        assert client_.head_object(Bucket=copy["bucket"], Key="archive/bilan-2026.pdf",
                                   VersionId=copy["version_id"])["ContentLength"] == len(document)

    # one byte silently rots on the first provider's disk: verify names that copy only
    data_dir = providers.base_dir / providers.s3[0].name / "data"
    rot_one_byte(data_dir, copies[0]["bucket"], document)
    checked = client.post(f"{ARCHIVES}/{item['id']}/verify", headers=own)
    assert checked.status_code == 200, checked.text
    first, second = checked.json()["verify_detail"]
    assert checked.json()["verified_ok"] is False
    assert (first["provider"], first["ok"]) == (providers.s3[0].name, False) and first["error"]
    assert (second["provider"], second["ok"]) == (providers.s3[1].name, True)
    assert second["sha256"] == item["sha256"]

    # retrieval falls back to the intact copy: the exact document comes back
    content = client.get(f"{ARCHIVES}/{item['id']}/content", headers=own)
    assert content.status_code == 200, content.text
    assert content.content == document
