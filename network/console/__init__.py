"""The network plane's console pages: sites by department with their SLA status, a site
and its circuits, a circuit's daily latency/loss charts, plan → diff → apply, drift.

Found by :mod:`controlplane.console.planes`: ``router``, ``NAV`` and ``templates/``.
"""

from controlplane.console import NavEntry
from network.console.cards import overview_cards
from network.console.pages import router

NAV = (NavEntry("Réseau", "/console/network", "network:read", 30),)

__all__ = ["NAV", "overview_cards", "router"]
