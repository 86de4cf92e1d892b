"""The apps plane's console pages: the regional services catalogue (versions, who is
enrolled) and the deployments with their outcome, rolled back from the page.

Found by :mod:`controlplane.console.planes`: ``router``, ``NAV`` and ``templates/``.
"""

from apps.console.cards import overview_cards
from apps.console.pages import router
from controlplane.console import NavEntry

NAV = (NavEntry("Applications", "/console/apps", "apps:read", 60),)

__all__ = ["NAV", "overview_cards", "router"]
