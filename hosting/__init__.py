"""Hosting plane: HDS providers, the offer catalogue, requests → approval → provisioning
(buckets with Object Lock, instances, volumes, through boto3 drivers), the placement
policy and per-tenant quotas.

Importing the plane registers its job kind (``hosting.provision``). Other planes call
the hosting plane only through what is listed here.
"""

from hosting import archive_checks as _archive_checks  # noqa: F401  (registers its job kind)
from hosting import backup as _backup  # noqa: F401  (registers the backup job kinds)
from hosting import dr_exercise as _dr  # noqa: F401  (registers the PRA exercise job kind)
from hosting import flows as _flows  # noqa: F401  (registers the provisioning job kind)
from hosting.catalogue import (
    create_offer,
    create_provider,
    offer_query,
    provider_query,
    update_offer,
    update_provider,
)
from hosting.lifecycle import approve, create_request, reject, request_query, subscription_query
from hosting.machines import VirtualMachine, virtual_machine
from hosting.placement import EEA_COUNTRIES, Need, Placement, ProviderFacts, place
from hosting.quotas import set_quota

__all__ = [
    "EEA_COUNTRIES",
    "Need",
    "Placement",
    "ProviderFacts",
    "VirtualMachine",
    "approve",
    "create_offer",
    "create_provider",
    "create_request",
    "offer_query",
    "place",
    "provider_query",
    "reject",
    "request_query",
    "set_quota",
    "subscription_query",
    "update_offer",
    "update_provider",
    "virtual_machine",
]
