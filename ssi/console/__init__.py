"""The SSI plane's console pages: the diagnostic flash (campaigns, the establishment's
answering form, its score against the region), the RSSI's regional heatmap of the
HN / CaRE prerequisites, EBIOS RM risk matrices and the PSSI draft download.

Found by :mod:`controlplane.console.planes`: ``router``, ``NAV`` and ``templates/``.
"""

from controlplane.console import NavEntry, console_router
from ssi.console import pages, risks
from ssi.console.cards import overview_cards

router = console_router()
router.include_router(pages.router)
router.include_router(risks.router)

NAV = (NavEntry("Sécurité (SSI)", "/console/ssi", "ssi:read", 50),)

__all__ = ["NAV", "overview_cards", "router"]
