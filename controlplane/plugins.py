"""What the planes contribute to the assembled application: routers, job kinds, CLI.

The planes register themselves when imported; this module imports the planes that
exist and any extra module named in ``SOCLE_PLUGINS`` (tests use it for their own
job kinds).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from controlplane.settings import Settings

if TYPE_CHECKING:
    from fastapi import APIRouter

PLANES: tuple[str, ...] = ()

_loaded: set[str] = set()


def load(settings: Settings) -> None:
    """Import every plane and every extra plugin module once."""
    extra = [name.strip() for name in settings.plugins.split(",") if name.strip()]
    for name in [*PLANES, *extra]:
        if name not in _loaded:
            importlib.import_module(name)
            _loaded.add(name)


def plane_routers() -> list[APIRouter]:
    """Each plane's API router (``<plane>.api.router``)."""
    routers = []
    for plane in PLANES:
        module = importlib.import_module(f"{plane}.api")
        routers.append(module.router)
    return routers
