"""The apps plane's overview card: deployments in progress and failed ones."""

from __future__ import annotations

from sqlalchemy import func, select

from apps.deployments.models import Deployment
from controlplane.console import OverviewCard, Visitor


def overview_cards(visitor: Visitor) -> list[OverviewCard]:
    """Deployments that failed or were rolled back (the last 50), and those running."""
    if not visitor.can("apps:read"):
        return []
    with visitor.read() as db:
        recent = select(Deployment.state).order_by(Deployment.id.desc()).limit(50).subquery()
        counts = dict(db.execute(select(recent.c.state, func.count())
                                 .group_by(recent.c.state)).all())
    failed = int(counts.get("failed", 0)) + int(counts.get("rolled-back", 0))
    running = int(counts.get("running", 0)) + int(counts.get("queued", 0))
    return [OverviewCard(
        title="Applications", figure=failed,
        unit="déploiement(s) échoué(s) parmi les 50 derniers", href="/console/apps/deployments",
        alert=failed > 0,
        links=((f"{running} déploiement(s) en cours", "/console/apps/deployments"),
               ("Catalogue des services", "/console/apps")),
    )]
