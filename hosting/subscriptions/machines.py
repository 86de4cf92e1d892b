"""The virtual machines the hosting plane provisioned, as other planes see them (the apps
plane deploys regional services onto them)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hosting.subscriptions.models import Resource, Subscription


@dataclass(frozen=True)
class VirtualMachine:
    """An instance of a VM subscription: where it runs and how to reach it."""

    instance_id: str
    address: str | None
    provider: str
    subscription_id: int
    tenant: str
    active: bool


def virtual_machine(db: Session, instance_id: str) -> VirtualMachine | None:
    """The VM whose provider instance id is ``instance_id``, if the session may see it.

    ``address`` is the private address the provider gave it (None for an instance
    provisioned before addresses were recorded); ``active`` is whether its subscription
    is in service.
    """
    found = db.execute(
        select(Resource, Subscription)
        .join(Subscription, Subscription.id == Resource.subscription_id)
        .where(Resource.kind == "instance", Resource.external_id == instance_id)
    ).first()
    if found is None:
        return None
    resource, subscription = found
    return VirtualMachine(
        instance_id=resource.external_id,
        address=resource.details.get("private_ip"),
        provider=resource.provider.name,
        subscription_id=subscription.id,
        tenant=subscription.tenant.finess,
        active=subscription.state == "active",
    )
