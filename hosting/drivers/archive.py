"""The archive's object driver (boto3): write-once object versions and reading them back.

Objects are written under S3 Object Lock in COMPLIANCE mode with an explicit
retain-until date; reading streams a given version through SHA-256 into a sink, so an
integrity check never holds a whole document in memory. Only :mod:`hosting.archive.service`
uses it, built with the provider's keys (:func:`hosting.providers.connections.provider_keys`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from botocore.exceptions import BotoCoreError, ClientError

from hosting.drivers import DriverError
from hosting.drivers.boto import client

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ReadBack:
    """What reading one object version gave: its digest, size and lock."""

    sha256: str
    size_bytes: int
    lock_mode: str | None
    retain_until: datetime | None


class ArchiveObjects:
    """Write-once objects in the buckets of one provider."""

    def __init__(self, *, endpoint: str, region: str, access_key: str, secret_key: str) -> None:
        self.endpoint = endpoint
        self._client: Any = client(
            "s3", endpoint=endpoint, region=region, access_key=access_key, secret_key=secret_key
        )

    def put_locked(
        self,
        bucket: str,
        key: str,
        body: IO[bytes],
        *,
        retain_until: datetime,
        metadata: dict[str, str],
    ) -> str:
        """Write ``body`` as a new version locked (COMPLIANCE) until ``retain_until``;
        its version id."""
        body.seek(0)
        try:
            answer = self._client.put_object(
                Bucket=bucket,
                Key=key,
                Body=body,
                ObjectLockMode="COMPLIANCE",
                ObjectLockRetainUntilDate=retain_until,
                Metadata=metadata,
            )
        except (ClientError, BotoCoreError) as exc:
            raise DriverError(f"S3 {self.endpoint}: put {bucket}/{key}: {exc}") from exc
        version = answer.get("VersionId")
        if not version:
            raise DriverError(f"S3 {self.endpoint}: bucket {bucket} is not versioned (no lock)")
        return str(version)

    def read(
        self, bucket: str, key: str, version_id: str, sink: IO[bytes] | None = None
    ) -> ReadBack:
        """Stream one version through SHA-256 (into ``sink`` if given) with its lock."""
        digest = hashlib.sha256()
        size = 0
        try:
            answer = self._client.get_object(Bucket=bucket, Key=key, VersionId=version_id)
            for chunk in answer["Body"].iter_chunks(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if sink is not None:
                    sink.write(chunk)
        except (ClientError, BotoCoreError) as exc:
            raise DriverError(f"S3 {self.endpoint}: get {bucket}/{key}: {exc}") from exc
        return ReadBack(
            sha256=digest.hexdigest(),
            size_bytes=size,
            lock_mode=answer.get("ObjectLockMode"),
            retain_until=answer.get("ObjectLockRetainUntilDate"),
        )
