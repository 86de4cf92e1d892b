"""Hosting objects for tests, made through the service layer (audited as the test suite).

Each call makes fresh keys (provider name, offer code), so a test may call it as often
as it likes on one database. Providers default to a dead endpoint: tests that
provision point them at the simulated providers.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from controlplane.auth import system_principal
from controlplane.db import Database, Scope
from controlplane.models import Tenant
from hosting.catalogue import service as catalogue
from hosting.catalogue.schemas import OfferCreate, OfferRead
from hosting.providers import service as provider_service
from hosting.providers.schemas import ProviderCreate, ProviderRead
from hosting.subscriptions import service as lifecycle
from hosting.subscriptions.models import Subscription
from hosting.subscriptions.schemas import RequestCreate, RequestRead, SubscriptionRead

ACTOR = "tests"
DEAD_ENDPOINT = "http://127.0.0.1:9"  # discard port: nothing listens


def provider_body(n: int, **fields: Any) -> dict[str, Any]:
    """A valid provider body (HDS 1-6, France, its own location)."""
    return {
        "name": f"hds-{n}",
        "certificate_activities": [1, 2, 3, 4, 5, 6],
        "certification_body": "AFNOR",
        "certificate_expires_on": "2030-01-01",
        "country": "FR",
        "location": f"site-{n}",
        "s3_endpoint": DEAD_ENDPOINT,
        "ec2_endpoint": DEAD_ENDPOINT,
        "credential_ref": "env:SOCLE_SECRET_HOSTING_TEST_UNSET_KEYS",
        "capacity_gb": 100_000,
        "capacity_vcpus": 1_000,
        **fields,
    }


def offer_body(n: int, kind: str = "storage", **fields: Any) -> dict[str, Any]:
    """A valid offer body of ``kind`` (storage by default: 10-1000 GB at 2 cents a GB)."""
    body: dict[str, Any] = {
        "code": f"offer-{n}",
        "name": f"Offer {n}",
        "kind": kind,
        "monthly_price_cents": 1000,
        "parameters": {
            "size_gb": {"min": 10, "max": 1000, "default": 100, "unit": "GB",
                        "unit_price_cents": 2},
        },
    }
    if kind == "backup":
        body.update(backup_frequency="daily", retention_days=30, rpo_hours=24)
    if kind == "vm":
        body.update(
            image_id="ami-03cf127a",
            parameters={
                "vcpus": {"min": 1, "max": 16, "default": 2, "unit_price_cents": 1500},
                "memory_gb": {"min": 1, "max": 64, "default": 4, "unit_price_cents": 500},
                "disk_gb": {"min": 0, "max": 2000, "default": 50, "unit_price_cents": 5},
            },
        )
    body.update(fields)
    return body


class HostingFactory:
    """Fresh providers, offers, requests and subscriptions."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.serial = itertools.count(1)
        self._default_offer: OfferRead | None = None

    def provider(self, **fields: Any) -> ProviderRead:
        data = ProviderCreate(**provider_body(next(self.serial), **fields))
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            provider = provider_service.create_provider(db, data, actor=ACTOR)
            return ProviderRead.model_validate(provider)

    def offer(self, kind: str = "storage", **fields: Any) -> OfferRead:
        data = OfferCreate(**offer_body(next(self.serial), kind, **fields))
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            return OfferRead.model_validate(catalogue.create_offer(db, data, actor=ACTOR))

    def placeable_offer(self) -> OfferRead:
        """A storage offer with one eligible provider (created once)."""
        if self._default_offer is None:
            self.provider()
            self._default_offer = self.offer()
        return self._default_offer

    def request(self, tenant: Tenant, offer: OfferRead | None = None,
                **parameters: int) -> RequestRead:
        offer = offer or self.placeable_offer()
        data = RequestCreate(offer=offer.code, tenant=tenant.finess, parameters=parameters)
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            made = lifecycle.create_request(db, data, caller=system_principal(ACTOR),
                                            today=date(2026, 11, 27))
            return RequestRead.model_validate(made)

    def subscription(self, tenant: Tenant) -> SubscriptionRead:
        """A subscription row as a finished provisioning leaves it (no resources)."""
        request = self.request(tenant)
        with self.database.transaction(scope=Scope.unrestricted()) as db:
            row = Subscription(tenant_id=tenant.id, request_id=request.id,
                               offer_id=self.placeable_offer().id, parameters=request.parameters,
                               monthly_cost_cents=request.monthly_cost_cents, state="active")
            db.add(row)
            db.flush()
            return SubscriptionRead.model_validate(row)
