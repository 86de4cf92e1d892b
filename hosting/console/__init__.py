"""The hosting plane's console pages: the offer catalogue, the request form with its
monthly cost shown before sending, the operators' approval queue (approve → the
provisioning job, watched live; reject with a reason), the subscriptions, and the
backups (RPO status per copy, alerts, restore-test results) and the PRA (plans,
exercises with achieved RTO/RPO).

Found by :mod:`controlplane.console.planes`: ``router``, ``NAV`` and ``templates/``.
"""

from controlplane.console import NavEntry, console_router
from hosting.console import backups, dr, pages
from hosting.console.cards import overview_cards

router = console_router()
router.include_router(pages.router)
router.include_router(backups.router)
router.include_router(dr.router)

NAV = (NavEntry("Hébergement", "/console/hosting", "hosting:read", 40),)

__all__ = ["NAV", "overview_cards", "router"]
