"""The PSSI draft of an establishment: the PGSSI-S skeleton filled with what Socle knows.

Context: the establishment (name, FINESS, kind, department), its sites and circuits
(network plane) and its hosting subscriptions (hosting plane), read through those
planes' public query functions; a plane that is absent or has nothing shows as such.
Risk-treatment decisions come from the establishment's latest risk study (validated
ones first): its risks, decisions and measures, each measure also placed in the
skeleton section it names (``pssi_section``). The latest submitted diagnostic flash
gives the maturity. Rendered in French as HTML (Jinja2) and PDF (headless Chromium).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.errors import NotFound
from controlplane.models import Tenant
from controlplane.reports import html_to_pdf
from ssi.campaigns_models import Assessment
from ssi.library import SkeletonFramework
from ssi.risks import analyse
from ssi.risks_models import RiskStudy
from ssi.risks_schemas import Measure, Risk, StudyContent
from ssi.service import library

SKELETON = "pgssi-s-pssi-skeleton"
TENANT_NOT_FOUND = "SSI-0401"  # no such establishment (or another tenant's)

STATUS_LABELS = {"planned": "prévue", "in_progress": "en cours", "done": "réalisée",
                 "abandoned": "abandonnée"}
OPTION_LABELS = {"reduce": "réduire", "accept": "accepter", "avoid": "éviter",
                 "transfer": "transférer", None: "non décidé"}

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class PssiContext:
    """Everything the draft is written from."""

    tenant: Tenant
    skeleton: SkeletonFramework
    today: date
    sites: list[dict[str, Any]] | None = None  # None: the network plane is not available
    circuits: list[dict[str, Any]] | None = None
    subscriptions: list[dict[str, Any]] | None = None
    study: RiskStudy | None = None
    risks: list[Risk] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    flash: Assessment | None = None

    def measures_for(self, section_id: str) -> list[Measure]:
        """The measures the study places in a skeleton section."""
        return [m for m in self.measures if m.pssi_section == section_id]


def context(db: Session, finess: str, *, today: date, version: str | None = None) -> PssiContext:
    """Gather the draft's context through the caller's session (404 for a tenant it
    cannot see)."""
    tenant = db.scalar(select(Tenant).where(Tenant.finess == finess.strip().upper()))
    if tenant is None:
        raise NotFound(detail=f"no establishment {finess}", code=TENANT_NOT_FOUND)
    found = library().get(SKELETON, version)
    assert isinstance(found, SkeletonFramework)
    ctx = PssiContext(tenant=tenant, skeleton=found, today=today)
    ctx.sites = _rows(db, "network", "site_query", tenant.finess,
                      ("code", "name", "address", "access"))
    ctx.circuits = _rows(db, "network", "circuit_query", tenant.finess,
                         ("ref", "access", "bandwidth_mbps"))
    ctx.subscriptions = _subscriptions(db, tenant.finess)
    ctx.study = db.scalar(
        select(RiskStudy).where(RiskStudy.tenant_id == tenant.id)
        .order_by((RiskStudy.state == "validated").desc(), RiskStudy.updated_at.desc(),
                  RiskStudy.id.desc()).limit(1)
    )
    if ctx.study is not None:
        content = StudyContent.model_validate(ctx.study.content)
        ctx.risks = analyse(content, today=today).risks
        ctx.measures = content.measures
    ctx.flash = db.scalar(
        select(Assessment).where(Assessment.tenant_id == tenant.id,
                                 Assessment.state == "submitted")
        .order_by(Assessment.submitted_at.desc()).limit(1)
    )
    return ctx


def render_html(ctx: PssiContext) -> str:
    """The draft as a standalone French HTML document."""
    return _TEMPLATES.get_template("pssi.html.j2").render(
        ctx=ctx, status_labels=STATUS_LABELS, option_labels=OPTION_LABELS)


def render_pdf(ctx: PssiContext) -> bytes:
    """The draft as PDF."""
    return html_to_pdf(render_html(ctx))


def _query(plane: str, name: str) -> Any:
    if importlib.util.find_spec(plane) is None:
        return None
    return getattr(importlib.import_module(plane), name, None)


def _rows(db: Session, plane: str, name: str, finess: str,
          columns: tuple[str, ...]) -> list[dict[str, Any]] | None:
    query = _query(plane, name)
    if query is None:
        return None
    return [{c: getattr(row, c, None) for c in columns} for row in db.scalars(query(tenant=finess))]


def _subscriptions(db: Session, finess: str) -> list[dict[str, Any]] | None:
    query = _query("hosting", "subscription_query")
    if query is None:
        return None
    return [
        {"id": s.id, "offer": s.offer.name, "kind": s.offer.kind, "state": s.state,
         "immutable": s.offer.immutable, "copies": s.offer.copies,
         "retention_days": s.offer.retention_days}
        for s in db.scalars(query(tenant=finess))
    ]
