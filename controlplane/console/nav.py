"""The navigation: one entry per page family, shown to the roles whose permission allows it.

The control plane's entries are listed here; each plane adds its own in
``<plane>/console/__init__.py`` (``NAV``), found by :mod:`controlplane.console.planes`.
"""

from __future__ import annotations

from dataclasses import dataclass

from controlplane.auth import Principal
from controlplane.console import planes


@dataclass(frozen=True)
class NavEntry:
    """A navigation link: French label, path, the permission it needs, and its rank."""

    label: str
    path: str
    permission: str
    order: int = 100

    def is_current(self, path: str) -> bool:
        """True when ``path`` is this entry's page or below it."""
        if self.path.endswith("/"):
            return path == self.path
        return path == self.path or path.startswith(self.path + "/")


CORE_NAV: tuple[NavEntry, ...] = (
    NavEntry("Aperçu", "/console/", "self:read", 0),
    NavEntry("Établissements", "/console/tenants", "tenants:read", 10),
    NavEntry("Tâches", "/console/jobs", "jobs:read", 20),
    NavEntry("Jetons d’accès", "/console/tokens", "tokens:read", 80),
    NavEntry("Journal d’audit", "/console/audit", "audit:read", 90),
)


def entries_for(principal: Principal) -> list[NavEntry]:
    """The entries ``principal`` may follow, in order: control plane's, then each plane's."""
    entries = [*CORE_NAV, *planes.nav_entries()]
    return sorted((e for e in entries if principal.can(e.permission)), key=lambda e: e.order)
