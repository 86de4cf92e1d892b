"""Hosting plane: HDS providers, the offer catalogue, requests → approval → provisioning
(buckets with Object Lock, instances, volumes, through boto3 drivers) with the placement
policy and per-tenant quotas, backups with restic, the long-term archive and the PRA.

Importing the plane registers its tables and its job kinds (provisioning, backups,
retention, restore tests, key rotation, archive checks, PRA exercises). Other planes
call the hosting plane only through what is listed here.
"""

from hosting import models as _models  # noqa: F401  (registers every feature's tables)
from hosting.archive import flows as _archive_flows  # noqa: F401  (its job kind)
from hosting.backup import flows as _backup_flows  # noqa: F401  (the backup job kinds)
from hosting.catalogue.service import create_offer, offer_query, update_offer
from hosting.dr import flows as _dr_flows  # noqa: F401  (the PRA exercise job kind)
from hosting.providers.service import create_provider, provider_query, update_provider
from hosting.subscriptions import flows as _subscriptions_flows  # noqa: F401  (provisioning)
from hosting.subscriptions.machines import VirtualMachine, virtual_machine
from hosting.subscriptions.placement import EEA_COUNTRIES, Need, Placement, ProviderFacts, place
from hosting.subscriptions.quotas import set_quota
from hosting.subscriptions.service import (
    approve,
    create_request,
    reject,
    request_query,
    subscription_query,
)

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
