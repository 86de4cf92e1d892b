"""The overview's cards from each plane: its health at a glance and its open alerts.

A plane's ``<plane>/console/__init__.py`` may define ``overview_cards(visitor)``
returning :class:`OverviewCard` items (only those the visitor's role may read, from the
visitor's tenant-scoped session). A plane whose cards fail to load gets one card
saying so: the overview never breaks because of one plane.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from controlplane.console import planes
from controlplane.console.identity import Visitor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OverviewCard:
    """A card: title, a main figure and what it counts, links, and whether it alerts."""

    title: str
    figure: int | str
    unit: str
    href: str
    links: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    alert: bool = False


def plane_cards(visitor: Visitor) -> list[OverviewCard]:
    """Every plane's cards for ``visitor``, in the planes' order."""
    cards: list[OverviewCard] = []
    for module in planes.consoles():
        provider: Callable[[Visitor], list[OverviewCard]] | None = getattr(
            module, "overview_cards", None)
        if provider is None:
            continue
        try:
            cards.extend(provider(visitor))
        except Exception:  # one plane's failure must not hide the others
            log.exception("overview cards of %s failed", module.__name__)
            nav = getattr(module, "NAV", ())
            title = nav[0].label if nav else module.__name__.split(".")[0]
            cards.append(OverviewCard(title=title, figure="?", unit="données indisponibles",
                                      href=nav[0].path if nav else "/console/", alert=True))
    return cards
