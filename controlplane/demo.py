"""A small demo region: establishments across departments, and one token per role.

Numbers are generated (valid check keys) and names are fictitious. Seeding is
idempotent: running it again adds nothing and issues no new tokens.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane import tenants, tokens
from controlplane.auth import Role
from controlplane.finess import make_finess
from controlplane.models import Tenant
from controlplane.schemas import TenantCreate, TenantKind, TokenCreate

DEMO_TENANTS: tuple[tuple[str, int, str, TenantKind], ...] = (
    ("69", 100001, "Centre hospitalier régional de démonstration", TenantKind.ES),
    ("69", 100002, "GCS e-santé régional (démo)", TenantKind.GCS),
    ("38", 100003, "Centre hospitalier des Alpes (démo)", TenantKind.ES),
    ("42", 100004, "Clinique du Forez (démo)", TenantKind.ES),
    ("63", 100005, "EHPAD Les Volcans (démo)", TenantKind.EMS),
    ("01", 100006, "Laboratoire de biologie de l'Ain (démo)", TenantKind.LBM),
    ("73", 100007, "Centre de santé de Savoie (démo)", TenantKind.CDS),
    ("74", 100008, "Maison de santé du Léman (démo)", TenantKind.MSP),
    ("26", 100009, "Hôpital local de la Drôme (démo)", TenantKind.ES),
    ("2A", 100010, "Centre hospitalier d'Ajaccio (démo)", TenantKind.ES),
    ("974", 10011, "Centre hospitalier de La Réunion (démo)", TenantKind.ES),
    ("07", 100012, "IME de l'Ardèche (démo)", TenantKind.ESMS),
)


@dataclass(frozen=True)
class DemoResult:
    """What seeding did."""

    tenants_created: int
    tokens_file: Path | None


def seed(db: Session, *, actor: str, data_dir: Path) -> DemoResult:
    """Create the demo tenants and, the first time, one token per role in a 0600 file."""
    created = 0
    for department, serial, name, kind in DEMO_TENANTS:
        finess = make_finess(department, serial)
        if db.scalar(select(Tenant.id).where(Tenant.finess == finess)) is None:
            tenants.create(db, TenantCreate(finess=finess, name=name, kind=kind), actor=actor)
            created += 1
    tokens_file = data_dir / "demo-tokens.json"
    if tokens_file.exists():
        return DemoResult(created, None)
    first = make_finess(*DEMO_TENANTS[0][:2])
    issued = {}
    for role in Role:
        tenant = first if role is Role.ESTABLISHMENT else None
        token = tokens.create(
            db, TokenCreate(name=f"demo-{role.value}", role=role, tenant=tenant), actor=actor
        )
        issued[role.value] = {"token": token.secret, "tenant": tenant}
    data_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(tokens_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(issued, handle, indent=2)
    return DemoResult(created, tokens_file)
