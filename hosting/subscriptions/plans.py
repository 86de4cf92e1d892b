"""A request's plan: where its copies go (placement) and which resources it will get.

The plan is computed when the request is made (so the establishment and the operator
see the decision, explained, before approval) and again at approval (a certificate
may have expired since, other requests may have taken the capacity). Resource names are
derived from the request id, so every provisioning attempt of a request targets the
same buckets and instances.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hosting.catalogue.models import Offer
from hosting.providers.models import HostingProvider
from hosting.subscriptions.models import HostingRequest
from hosting.subscriptions.placement import (
    ENDPOINT_BY_KIND,
    Held,
    Need,
    Placement,
    ProviderFacts,
    place,
)

#: (instance type, vCPUs, memory GB), smallest first: a VM gets the first that fits.
INSTANCE_TYPES = (
    ("t3.small", 2, 2),
    ("t3.medium", 2, 4),
    ("t3.large", 2, 8),
    ("m5.xlarge", 4, 16),
    ("m5.2xlarge", 8, 32),
    ("m5.4xlarge", 16, 64),
)


def facts(provider: HostingProvider, held: Held = Held()) -> ProviderFacts:
    """What placement needs to know about ``provider``, which placed requests already
    hold ``held`` of."""
    endpoints = {
        kind for kind, url in (("s3", provider.s3_endpoint), ("ec2", provider.ec2_endpoint)) if url
    }
    return ProviderFacts(
        name=provider.name,
        activities=frozenset(provider.certificate_activities),
        certificate_expires_on=provider.certificate_expires_on,
        country=provider.country,
        location=provider.location,
        endpoints=frozenset(endpoints),
        capacity_gb=provider.capacity_gb,
        capacity_vcpus=provider.capacity_vcpus,
        held_gb=held.gb,
        held_vcpus=held.vcpus,
    )


def _machine(vcpus: int, memory_gb: int) -> tuple[str, int, int]:
    for machine in INSTANCE_TYPES:
        if machine[1] >= vcpus and machine[2] >= memory_gb:
            return machine
    return INSTANCE_TYPES[-1]


def instance_type(vcpus: int, memory_gb: int) -> str:
    """The smallest instance type with at least ``vcpus`` and ``memory_gb``."""
    return _machine(vcpus, memory_gb)[0]


def need(kind: str, copies: int, values: Mapping[str, int]) -> Need:
    """What a request of an offer of ``kind`` with ``values`` takes on each provider of a
    copy: a VM its volume (``disk_gb``) and the vCPUs of the instance type it gets (not
    fewer than it asked); storage, backup and archive their ``size_gb``; dry hosting and
    PRA offers no storage nor vCPUs."""
    if kind == "vm":
        vcpus = _machine(values.get("vcpus", 2), values.get("memory_gb", 2))[1]
        return Need(kind=kind, copies=copies, size_gb=values.get("disk_gb", 0), vcpus=vcpus)
    return Need(kind=kind, copies=copies, size_gb=values.get("size_gb", 0))


def bucket_name(request: HostingRequest, copy: int) -> str:
    """The bucket of copy ``copy`` (S3 rules: lower case, digits, '-')."""
    return f"socle-{request.tenant.finess.lower()}-{request.idempotency_key[:16]}-c{copy}"


def lock_days(offer: Offer, copy: int, copies: int) -> int | None:
    """How many days copy ``copy`` (of ``copies``) of a bucket offer is write-once
    (Object Lock COMPLIANCE), or None when that copy stays deletable.

    - An archive locks every copy: a document that one provider lets anyone delete is
      not archived, so each copy refuses deletion for the offer's retention.
    - An immutable backup tier locks exactly one copy, the last one (the other
      provider's, when two): the documented contract ("keep one copy under Object
      Lock", the 3-2-1-1 rule). The other copies stay prunable, so the tier's retention
      (restic ``forget --prune``) frees their space while the locked copy resists a
      ransomware or an operator error.
    - Anything else is not locked.
    """
    if offer.kind == "archive":
        return offer.retention_days
    if offer.immutable and copy == copies - 1:
        return offer.retention_days
    return None


def resources(request: HostingRequest, placement: Placement) -> list[dict[str, Any]]:
    """The resources the request will get, one dict each (key, kind, provider, settings)."""
    offer = request.offer
    values = request.parameters
    endpoint = ENDPOINT_BY_KIND[offer.kind]
    if not placement.ok or endpoint is None or offer.kind == "dr":
        return []
    if endpoint == "s3":
        copies = len(placement.chosen)
        return [
            {
                "key": f"bucket-{copy}",
                "kind": "bucket",
                "provider": provider,
                "name": bucket_name(request, copy),
                "lock_days": lock_days(offer, copy, copies),
            }
            for copy, provider in enumerate(placement.chosen)
        ]
    provider = placement.chosen[0]
    planned: list[dict[str, Any]] = [
        {
            "key": "instance",
            "kind": "instance",
            "provider": provider,
            "instance_type": instance_type(values.get("vcpus", 2), values.get("memory_gb", 2)),
            "image_id": offer.image_id,
        }
    ]
    if values.get("disk_gb"):
        planned.append(
            {"key": "volume", "kind": "volume", "provider": provider, "size_gb": values["disk_gb"]}
        )
    return planned


def decide(
    db: Session, offer: Offer, values: dict[str, int], today: date,
    held: Mapping[str, Held],
) -> Placement:
    """Where a request for ``offer`` with ``values`` may go, among every provider, given
    what placed requests ``held`` on each (by provider name)."""
    providers = db.scalars(select(HostingProvider).order_by(HostingProvider.name))
    return place([facts(p, held.get(p.name, Held())) for p in providers],
                 need(offer.kind, offer.copies, values), today)


def plan(
    db: Session, request: HostingRequest, today: date, held: Mapping[str, Held]
) -> dict[str, Any]:
    """The request's plan: the placement decision, explained, and the planned resources."""
    placement = decide(db, request.offer, request.parameters, today, held)
    return {"placement": placement.as_dict(), "resources": resources(request, placement)}
