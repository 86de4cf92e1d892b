"""The hosting plane's overview card: open backup alerts and requests waiting."""

from __future__ import annotations

from sqlalchemy import func, select

from controlplane.console import OverviewCard, Visitor
from hosting.backup.models import BackupAlert
from hosting.subscriptions.models import HostingRequest


def overview_cards(visitor: Visitor) -> list[OverviewCard]:
    """Open backup alerts (late, failed, restore-failed) and requests to decide."""
    if not visitor.can("hosting:read"):
        return []
    with visitor.read() as db:
        alerts = db.scalar(select(func.count(BackupAlert.id))
                           .where(BackupAlert.cleared_at.is_(None))) or 0
        waiting = db.scalar(select(func.count(HostingRequest.id))
                            .where(HostingRequest.state == "requested")) or 0
    return [OverviewCard(
        title="Hébergement", figure=alerts, unit="alerte(s) de sauvegarde ouverte(s)",
        href="/console/hosting/backups", alert=alerts > 0,
        links=((f"{waiting} demande(s) en attente de décision",
                "/console/hosting/requests?state=requested"),
               ("Plans de reprise (PRA)", "/console/hosting/dr")),
    )]
