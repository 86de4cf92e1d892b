"""The network plane's overview card: circuits that missed an SLA target this month."""

from __future__ import annotations

from sqlalchemy import func, select

from controlplane.console import OverviewCard, Visitor
from network.console.sla_view import current_month
from network.inventory.models import Circuit, Site
from network.sla.models import SlaEvent


def overview_cards(visitor: Visitor) -> list[OverviewCard]:
    """Circuits with a breach detected this month (Europe/Paris), sites and circuits."""
    if not visitor.can("network:read"):
        return []
    month = current_month()
    with visitor.read() as db:
        breaching = db.scalar(select(func.count(func.distinct(SlaEvent.circuit_id)))
                              .where(SlaEvent.period == month)) or 0
        sites = db.scalar(select(func.count(Site.id))) or 0
        circuits = db.scalar(select(func.count(Circuit.id))) or 0
    return [OverviewCard(
        title="Réseau", figure=breaching, unit=f"circuit(s) hors objectif SLA en {month}",
        href="/console/network", alert=breaching > 0,
        links=((f"{sites} site(s), {circuits} circuit(s)", "/console/network"),
               ("Dérive des configurations", "/console/network/drift")),
    )]
