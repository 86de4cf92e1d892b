"""The demo hosting offer: ``socle demo`` calls :func:`seed`.

It always fills the catalogue (dry hosting, a VM flavour, object storage, three backup
tiers, a ten-year archive, a PRA offer), each with its monthly price. When the
simulated providers run (``socle sim up``), it also registers them as two HDS providers
(Paris and Lyon, keys in 0600 files of ``SOCLE_DATA_DIR/secrets/hosting/``) and makes a
few requests of demo establishments, approved at once: the worker provisions them for
real. Idempotent.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane import simulation
from controlplane.auth import system_principal
from controlplane.models import Tenant
from controlplane.settings import Settings
from hosting.catalogue import service as catalogue
from hosting.catalogue.models import Offer
from hosting.catalogue.schemas import OfferCreate
from hosting.errors import store
from hosting.providers import service as provider_service
from hosting.providers.models import HostingProvider
from hosting.providers.schemas import ProviderCreate
from hosting.secrets import SECRETS
from hosting.subscriptions import service as lifecycle
from hosting.subscriptions.schemas import RequestCreate

PROVIDERS_SIMULATOR = "hosting-providers"  # its state: the endpoints and their keys
IMAGE = "ami-03cf127a"  # an image the simulated EC2 endpoint knows


def _per(unit: str, cents: int, low: int, high: int, default: int) -> dict[str, Any]:
    return {"min": low, "max": high, "default": default, "unit": unit, "unit_price_cents": cents}


OFFERS: tuple[dict[str, Any], ...] = (
    {"code": "hebergement-sec", "name": "Hébergement sec (baie, énergie, réseau)",
     "kind": "dry-hosting", "monthly_price_cents": 15_000,
     "parameters": {"rack_units": _per("U", 9_000, 1, 42, 2)}},
    {"code": "vm-standard", "name": "Machine virtuelle HDS", "kind": "vm",
     "monthly_price_cents": 2_000, "image_id": IMAGE,
     "parameters": {"vcpus": _per("vCPU", 1_500, 1, 16, 2),
                    "memory_gb": _per("GB", 500, 1, 64, 4),
                    "disk_gb": _per("GB", 5, 0, 2_000, 50)}},
    {"code": "stockage-objet", "name": "Stockage objet S3", "kind": "storage",
     "monthly_price_cents": 500, "parameters": {"size_gb": _per("GB", 2, 10, 10_000, 100)}},
    {"code": "sauvegarde-bronze", "name": "Sauvegarde bronze (quotidienne, 30 jours)",
     "kind": "backup", "monthly_price_cents": 1_000, "backup_frequency": "daily",
     "retention_days": 30, "rpo_hours": 24, "copies": 1,
     "parameters": {"size_gb": _per("GB", 3, 10, 10_000, 100)}},
    {"code": "sauvegarde-argent", "name": "Sauvegarde argent (2 copies dont 1 immuable, 90 jours)",
     "kind": "backup", "monthly_price_cents": 2_500, "backup_frequency": "daily",
     "retention_days": 90, "rpo_hours": 24, "copies": 2, "immutable": True,
     "parameters": {"size_gb": _per("GB", 5, 10, 10_000, 100)}},
    {"code": "sauvegarde-or", "name": "Sauvegarde or (horaire, 2 copies dont 1 immuable, 1 an)",
     "kind": "backup", "monthly_price_cents": 6_000, "backup_frequency": "hourly",
     "retention_days": 365, "rpo_hours": 1, "copies": 2, "immutable": True,
     "parameters": {"size_gb": _per("GB", 8, 10, 10_000, 100)}},
    {"code": "archive-10-ans", "name": "Archivage à valeur probante (WORM, 10 à 30 ans)",
     "kind": "archive", "monthly_price_cents": 800, "retention_days": 3_650, "immutable": True,
     "parameters": {"size_gb": _per("GB", 4, 1, 10_000, 50),
                    "retention_years": _per("an", 0, 10, 30, 10)}},
    {"code": "pra", "name": "Plan de reprise d'activité (PRA, exercice annuel)", "kind": "dr",
     "monthly_price_cents": 20_000, "rpo_hours": 24,
     "parameters": {"rto_hours": _per("h", 0, 1, 72, 4)}},
)

#: (provider name, location, index of the simulated S3 server)
DEMO_PROVIDERS = (("hds-paris", "Paris", 0), ("hds-lyon", "Lyon", 1))

#: (index of the demo establishment among ES tenants, offer code, parameters)
DEMO_REQUESTS: tuple[tuple[int, str, dict[str, int]], ...] = (
    (0, "vm-standard", {"vcpus": 2, "memory_gb": 4, "disk_gb": 50}),
    (0, "sauvegarde-argent", {"size_gb": 200}),
    (1, "archive-10-ans", {"size_gb": 100, "retention_years": 20}),
)


def _catalogue(db: Session, actor: str) -> int:
    made = 0
    for body in OFFERS:
        if store.find(db, Offer, body["code"]) is None:
            catalogue.create_offer(db, OfferCreate(**body), actor=actor)
            made += 1
    return made


def _providers(db: Session, actor: str, settings: Settings, state: dict[str, Any]) -> None:
    endpoints = state["endpoints"]
    s3 = [e for e in endpoints if e["kind"] == "s3"]
    ec2 = next(e for e in endpoints if e["kind"] == "ec2")
    for name, city, index in DEMO_PROVIDERS:
        keys = f"demo-{name}.keys"
        SECRETS.store_file(settings.data_dir, keys,
                           f"{s3[index]['access_key']}:{s3[index]['secret_key']}")
        provider_service.create_provider(db, ProviderCreate(
            name=name, certificate_activities=[1, 2, 3, 4, 5, 6], certification_body="AFNOR",
            certificate_expires_on=date(date.today().year + 2, 6, 30), country="FR",
            location=city, s3_endpoint=s3[index]["url"], s3_region=s3[index]["region"],
            ec2_endpoint=ec2["url"], credential_ref=f"file:{keys}", capacity_gb=50_000,
            capacity_vcpus=256,
        ), actor=actor)


def _requests(db: Session, actor: str) -> int:
    tenants = list(db.scalars(select(Tenant).where(Tenant.kind == "ES").order_by(Tenant.finess)))
    caller = system_principal(actor)
    made = 0
    for index, code, parameters in DEMO_REQUESTS:
        if index >= len(tenants):
            continue
        request = lifecycle.create_request(
            db, RequestCreate(offer=code, tenant=tenants[index].finess, parameters=parameters),
            caller=caller,
        )
        lifecycle.approve(db, request, actor=actor)
        made += 1
    return made


def seed(db: Session, *, actor: str, settings: Settings) -> list[str]:
    """Fill the catalogue; on the running simulated providers, subscribe a few tenants."""
    made = _catalogue(db, actor)
    said = [f"hosting: {made} offer(s) added to the catalogue ({len(OFFERS)} with prices); "
            "try `socle hosting offer list`"]
    state = simulation.read_state(settings.data_dir, PROVIDERS_SIMULATOR)
    if state is None:
        return [*said, "hosting: the simulated providers are not running (socle sim up): "
                "no providers nor subscriptions"]
    if store.find(db, HostingProvider, DEMO_PROVIDERS[0][0]) is not None:
        return [*said, "hosting: demo providers and subscriptions already there"]
    _providers(db, actor, settings, state)
    approved = _requests(db, actor)
    return [*said, f"hosting: {len(DEMO_PROVIDERS)} HDS providers on the simulated region; "
            f"{approved} request(s) approved, provisioned by the worker "
            "(`socle hosting subscription list`)"]
