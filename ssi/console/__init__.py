"""The SSI plane's console pages: the diagnostic flash (campaigns, the establishment's
answering form, its score against the region) and the RSSI's regional heatmap of the
HN / CaRE prerequisites.

Found by :mod:`controlplane.console.planes`: ``router``, ``NAV`` and ``templates/``.
"""

from controlplane.console import NavEntry
from ssi.console.pages import router

NAV = (NavEntry("Sécurité (SSI)", "/console/ssi", "ssi:read", 50),)

__all__ = ["NAV", "router"]
