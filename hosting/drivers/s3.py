"""The S3 driver (boto3): buckets with Object Lock and tags on an S3-compatible provider."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hosting.drivers import TAG_REQUEST, DriverError
from hosting.drivers.boto import api_errors, client, client_error

_MISSING = {"404", "NoSuchBucket", "NotFound"}


class S3Storage:
    """:class:`hosting.drivers.ObjectStorage` over boto3."""

    def __init__(self, *, endpoint: str, region: str, access_key: str, secret_key: str) -> None:
        self.endpoint = endpoint
        self._client = client(
            "s3", endpoint=endpoint, region=region, access_key=access_key, secret_key=secret_key
        )

    def ensure_bucket(
        self, name: str, *, tags: Mapping[str, str], lock_days: int | None
    ) -> dict[str, Any]:
        """Create the bucket if missing, lock it (COMPLIANCE, ``lock_days``), tag it."""
        try:
            if self._exists(name):
                self._check_owner(name, tags[TAG_REQUEST])
            else:
                self._client.create_bucket(Bucket=name, ObjectLockEnabledForBucket=bool(lock_days))
            if lock_days:
                self._client.put_object_lock_configuration(
                    Bucket=name,
                    ObjectLockConfiguration={
                        "ObjectLockEnabled": "Enabled",
                        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": lock_days}},
                    },
                )
            self._client.put_bucket_tagging(
                Bucket=name,
                Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]},
            )
        except api_errors() as exc:
            raise DriverError(f"S3 {self.endpoint}: bucket {name}: {exc}") from exc
        return {"bucket": name, "object_lock": bool(lock_days), "retention_days": lock_days}

    def _exists(self, name: str) -> bool:
        try:
            self._client.head_bucket(Bucket=name)
        except client_error() as exc:
            if exc.response["Error"]["Code"] in _MISSING:
                return False
            raise
        return True

    def _check_owner(self, name: str, request: str) -> None:
        """Refuse to adopt a bucket another request (or someone else) made."""
        try:
            tag_set = self._client.get_bucket_tagging(Bucket=name)["TagSet"]
        except client_error() as exc:
            if exc.response["Error"]["Code"] not in {"NoSuchTagSet", "NoSuchTagSetError"}:
                raise
            tag_set = []
        owner = {t["Key"]: t["Value"] for t in tag_set}.get(TAG_REQUEST)
        if owner not in (None, request):
            raise DriverError(f"bucket {name} exists and belongs to request {owner}")
