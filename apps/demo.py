"""``socle demo`` for the apps plane: three local targets under SOCLE_DATA_DIR (their own
prefix and ports, so the demo deploys real services on this machine) standing at the
GCS's regional datacentre, a THD network site, and each demo hospital enrolled in
directory, messaging and identity with its branch and domain. Deploying is left to the
operator (``socle apps deploy ... --wait``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

import network
from apps.catalogue import service as catalogue
from apps.enrolments import service as enrolments
from apps.enrolments.schemas import EnrolmentCreate
from apps.targets import service as targets
from apps.targets.models import AppTarget
from apps.targets.schemas import TargetCreate
from controlplane.models import Tenant
from controlplane.settings import Settings

PORT_BASE = 20000  # demo target n's services listen on PORT_BASE + 100 * n + k
DATACENTRE = "DEMO-GCS-DC"


def _datacentre(db: Session, *, actor: str) -> str | None:
    """The GCS's THD site where the demo targets stand (None without a GCS tenant)."""
    gcs = db.scalar(select(Tenant).where(Tenant.kind == "GCS").order_by(Tenant.finess))
    if gcs is None:
        return None
    if not network.site_accesses(db, [DATACENTRE]):
        network.create_site(db, network.SiteCreate(
            tenant=gcs.finess, code=DATACENTRE, name="Datacentre régional du GCS",
            address="Datacentre régional", access="THD"), actor=actor)
    return DATACENTRE


def seed(db: Session, *, actor: str, settings: Settings) -> list[str]:
    """Create the demo targets and enrolments (once); what was done, in words."""
    if db.scalar(select(AppTarget.id).where(AppTarget.name == "demo-app-1")) is not None:
        return ["apps: demo targets already there"]
    services = sorted(catalogue.current().services.values(), key=lambda s: s.name)
    site = _datacentre(db, actor=actor)
    for n in (1, 2, 3):
        ports, k = {}, 0
        for service in services:
            ports[service.name] = {}
            for name in service.ports:
                ports[service.name][name] = PORT_BASE + 100 * n + k
                k += 1
        targets.create_target(db, TargetCreate(
            name=f"demo-app-{n}", address="127.0.0.1", connection="local",
            prefix=str((settings.data_dir / "apps-hosts" / f"demo-app-{n}").resolve()),
            ports=ports, site=site), actor=actor)
    hospitals = db.scalars(select(Tenant).where(Tenant.kind == "ES").order_by(Tenant.finess))
    enrolled = 0
    for tenant in hospitals:
        slug = f"es-{tenant.finess.lower()}"
        for service, values in (("directory", {"branch": f"ou={tenant.finess}"}),
                                ("messaging", {"domain": f"{slug}.mssante.fr"}),
                                ("identity", {})):
            enrolments.enrol(db, EnrolmentCreate(tenant=tenant.finess, service=service,
                                              settings=values), actor=actor)
        enrolled += 1
    return [f"apps: 3 demo targets (local, under {settings.data_dir}/apps-hosts, at site "
            f"{site or 'none'}), "
            f"{enrolled} hospital(s) enrolled in directory, messaging and identity"]
