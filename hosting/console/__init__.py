"""The hosting plane's console pages: the offer catalogue, the request form with its
monthly cost shown before sending, the operators' approval queue (approve → the
provisioning job, watched live; reject with a reason) and the subscriptions.

Found by :mod:`controlplane.console.planes`: ``router``, ``NAV`` and ``templates/``.
"""

from controlplane.console import NavEntry
from hosting.console.pages import router

NAV = (NavEntry("Hébergement", "/console/hosting", "hosting:read", 40),)

__all__ = ["NAV", "router"]
