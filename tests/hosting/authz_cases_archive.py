"""Authorization-matrix examples for ``/hosting/archives``.

The world's providers are unreachable (a dead loopback port, keys that resolve): an
operation that passed authorization and tenant scoping reaches the provider and
answers 502 (deposit, retrieval) or records a failed check (verify, 200).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from controlplane.db import Scope
from controlplane.models import Tenant
from hosting.archive.models import ArchiveItem
from hosting.subscriptions.models import Resource, Subscription
from tests.support.authz import Case, World

ARCHIVES = "/api/v1/hosting/archives"
KEYS = "SOCLE_SECRET_HOSTING_TEST_AUTHZ_ARCHIVE_KEYS"


def archive_subscription(w: World, t: Tenant) -> int:
    """An active archive subscription of ``t`` with one locked bucket at a dead provider."""
    os.environ.setdefault(KEYS, "access:secret")
    provider = w.hosting.provider(credential_ref=f"env:{KEYS}")
    offer = w.hosting.offer("archive", immutable=True, retention_days=3650)
    with w.database.transaction(scope=Scope.unrestricted()) as db:
        request = w.hosting.request(t)
        subscription = Subscription(tenant_id=t.id, request_id=request.id, offer_id=offer.id,
                                    parameters={}, monthly_cost_cents=0, state="active")
        db.add(subscription)
        db.flush()
        db.add(Resource(tenant_id=t.id, subscription_id=subscription.id, key="bucket-0",
                        kind="bucket", provider_id=provider.id, external_id="socle-authz",
                        details={"bucket": "socle-authz", "object_lock": True}))
        return subscription.id


def archive_item(w: World, t: Tenant) -> int:
    """A deposited document of ``t`` (its copy at the dead provider)."""
    subscription_id = archive_subscription(w, t)
    with w.database.transaction(scope=Scope.unrestricted()) as db:
        provider = db.get_one(Subscription, subscription_id).resources[0].provider.name
        item = ArchiveItem(tenant_id=t.id, subscription_id=subscription_id, name="doc",
                           object_key="archive/doc", size_bytes=1, sha256="0" * 64,
                           retain_until=datetime(2040, 1, 1, tzinfo=UTC), deposited_by="tests",
                           copies=[{"resource": "bucket-0", "provider": provider,
                                    "bucket": "socle-authz", "version_id": "v1"}],
                           verify_detail=[])
        db.add(item)
        db.flush()
        return item.id


CASES: dict[tuple[str, str], Case] = {
    ("POST", ARCHIVES): Case(
        lambda w, t: (f"{ARCHIVES}?subscription_id={archive_subscription(w, t)}&name=doc", None),
        success=502, tenant_bound=True),
    ("GET", ARCHIVES): Case(lambda w, t: (ARCHIVES, None)),
    ("GET", f"{ARCHIVES}/{{archive_id}}"): Case(
        lambda w, t: (f"{ARCHIVES}/{archive_item(w, t)}", None), tenant_bound=True),
    ("POST", f"{ARCHIVES}/{{archive_id}}/verify"): Case(
        lambda w, t: (f"{ARCHIVES}/{archive_item(w, t)}/verify", None), tenant_bound=True),
    ("GET", f"{ARCHIVES}/{{archive_id}}/content"): Case(
        lambda w, t: (f"{ARCHIVES}/{archive_item(w, t)}/content", None), success=502,
        tenant_bound=True),
}
