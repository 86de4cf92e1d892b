"""The SSI plane's overview card: diagnostic flash answers still open, and late ones."""

from __future__ import annotations

from sqlalchemy import func, select

from controlplane.console import OverviewCard, Visitor
from controlplane.db import utcnow
from ssi.campaigns.models import Assessment, Campaign


def overview_cards(visitor: Visitor) -> list[OverviewCard]:
    """Assessments past their campaign's deadline and not submitted, and open ones."""
    if not visitor.can("ssi:read"):
        return []
    today = utcnow().date()
    with visitor.read() as db:
        open_ = select(func.count(Assessment.id)).join(Campaign).where(
            Assessment.state == "open")
        waiting = db.scalar(open_) or 0
        late = db.scalar(open_.where(Campaign.deadline < today)) or 0
    return [OverviewCard(
        title="Sécurité (SSI)", figure=late, unit="auto-évaluation(s) en retard",
        href="/console/ssi", alert=late > 0,
        links=((f"{waiting} auto-évaluation(s) à compléter", "/console/ssi"),
               ("Carte régionale HN / CaRE", "/console/ssi/heatmap")),
    )]
