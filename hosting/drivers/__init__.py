"""Provider drivers: thin adapters behind one Protocol per capability.

They are built from a provider by :mod:`hosting.providers.connections` and used by the
provisioning and PRA flows; the domain code never imports boto3. Each
``ensure_*`` call is idempotent: it finds the resource by its name or its
idempotency tag and creates it only when missing, so a retried job converges.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

#: Tag keys every provisioned resource carries.
TAG_TENANT = "socle:finess"
TAG_REQUEST = "socle:request"  # the idempotency key: one request, one set of resources
TAG_RESOURCE = "socle:resource"


class DriverError(RuntimeError):
    """A provider refused or could not be reached; the message names the provider call."""


class ObjectStorage(Protocol):
    """An S3-compatible object store."""

    def ensure_bucket(
        self, name: str, *, tags: Mapping[str, str], lock_days: int | None
    ) -> dict[str, Any]:
        """Create the bucket if missing (Object Lock in COMPLIANCE mode for ``lock_days``),
        tag it, and describe it."""
        ...


class Compute(Protocol):
    """An EC2-compatible compute API."""

    def ensure_instance(
        self, *, tags: Mapping[str, str], instance_type: str, image_id: str
    ) -> dict[str, Any]:
        """The instance carrying ``tags`` (created if none is alive), described."""
        ...

    def ensure_volume(
        self, *, tags: Mapping[str, str], size_gb: int, attach_to: str
    ) -> dict[str, Any]:
        """The volume carrying ``tags`` (created and attached to ``attach_to`` if missing)."""
        ...
