"""The faults the simulated providers honour (``socle sim fault inject KIND TARGET``).

- ``provider-down PROVIDER [--s3] [--ec2]``: the provider's S3 endpoint and/or its EC2
  endpoint refuse connections (both when neither is named). The simulated region has one
  EC2 endpoint for every provider: taking it down takes it down for all of them.
- ``corrupt-pack PROVIDER --tenant FINESS``: the largest restic pack of the
  establishment's first backup copy held at the provider gets bytes flipped in the
  provider's bucket (:mod:`hosting.sim.packs`), read back by restic as it is; clearing the
  fault writes the original back. It holds until cleared (damage does not heal itself).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.errors import InvalidInput
from controlplane.faults import Fault, FaultKind
from controlplane.models import Tenant
from hosting import errors
from hosting.backup.models import BackupRepository
from hosting.backup.policies import REPOSITORY_PREFIX
from hosting.drivers.boto import api_errors, client
from hosting.providers.connections import DEFAULT_REGION, provider_keys
from hosting.providers.models import HostingProvider
from hosting.sim import packs
from hosting.sim.providers import FAULT_KIND
from hosting.subscriptions.models import Resource

CORRUPT_PACK = "corrupt-pack"


def _host_port(url: str) -> str:
    address = urlsplit(url)
    return f"{address.hostname}:{address.port or (443 if address.scheme == 'https' else 80)}"


def _provider(db: Session, name: str) -> HostingProvider:
    provider = db.scalar(select(HostingProvider).where(HostingProvider.name == name))
    if provider is None:
        raise InvalidInput.on("target", f"no HDS provider {name!r}")
    return provider


def _provider_down(db: Session, target: str,
                   options: Mapping[str, Any]) -> Mapping[str, Sequence[str]]:
    provider = _provider(db, target)
    both = not options.get("s3") and not options.get("ec2")
    urls = [url for wanted, url in ((options.get("s3") or both, provider.s3_endpoint),
                                    (options.get("ec2") or both, provider.ec2_endpoint))
            if wanted and url]
    if not urls:
        raise InvalidInput.on("target", f"{target} has no such endpoint")
    return {"endpoint": [_host_port(url) for url in urls]}


@contextmanager
def _storage(provider: HostingProvider) -> Iterator[Any]:
    """The provider's S3 client for the block; what it refuses is a 502 naming it."""
    keys = provider_keys(provider)
    try:
        yield client("s3", endpoint=provider.s3_endpoint or "",
                     region=provider.s3_region or DEFAULT_REGION,
                     access_key=keys.access_key, secret_key=keys.secret_key)
    except api_errors() as exc:
        raise errors.provider_failed(f"{provider.name} S3: {exc}") from None


def _corrupt_pack(db: Session, target: str,
                  options: Mapping[str, Any]) -> Mapping[str, Sequence[str]]:
    """The pack to damage: the largest of the tenant's first copy at the provider."""
    provider = _provider(db, target)
    if not provider.s3_endpoint:
        raise InvalidInput.on("target", f"{target} has no S3 endpoint")
    finess = str(options.get("tenant") or "").strip().upper()
    if not finess:
        raise InvalidInput.on("tenant", "corrupt-pack needs --tenant FINESS")
    buckets = db.scalars(
        select(Resource.external_id)
        .join(BackupRepository, BackupRepository.resource_id == Resource.id)
        .join(Tenant, Tenant.id == BackupRepository.tenant_id)
        .where(Tenant.finess == finess, BackupRepository.provider_id == provider.id)
        .order_by(BackupRepository.id))
    with _storage(provider) as storage:
        for bucket in buckets:
            key = packs.biggest_pack(storage, bucket, REPOSITORY_PREFIX)
            if key is not None:
                return {"endpoint": [_host_port(provider.s3_endpoint)], "bucket": [bucket],
                        "pack": [key]}
    raise InvalidInput.on("tenant", f"{finess} has no restic pack stored at {target}")


def _pack_of(fault: Fault) -> tuple[str, str]:
    return fault.selectors["bucket"][0], fault.selectors["pack"][0]


def _damage(db: Session, fault: Fault, folder: Path) -> None:
    with _storage(_provider(db, fault.target)) as storage:
        packs.damage(storage, *_pack_of(fault), folder)


def _restore(db: Session, fault: Fault, folder: Path) -> None:
    with _storage(_provider(db, fault.target)) as storage:
        packs.restore(storage, *_pack_of(fault), folder)


FAULT_KINDS = (
    FaultKind(FAULT_KIND, "an HDS provider's S3 and/or EC2 endpoints refuse connections",
              _provider_down, options=("s3", "ec2")),
    FaultKind(CORRUPT_PACK, "one restic pack of an establishment's backup copy at an HDS "
              "provider is damaged (bytes flipped) until cleared", _corrupt_pack,
              options=("tenant",), strike=_damage, heal=_restore, timed=False),
)
