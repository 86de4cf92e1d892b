"""Each plane's console pages, found by convention (the console imports no plane by name).

A plane that has pages ships a package ``<plane>/console/`` with:

- ``router``: an ``APIRouter`` made by :func:`controlplane.console.console_router`
  (paths under ``/console/<plane>/``), whose pages depend on
  :func:`controlplane.console.allowed` and render with :func:`controlplane.console.render`;
- ``NAV``: a tuple of :class:`controlplane.console.NavEntry` (ranks: network 30,
  hosting 40, ssi 50, apps 60);
- ``templates/<plane>/*.html``: its templates, extending ``base.html``;
- optionally ``overview_cards(visitor)``: its cards on the overview (see
  :mod:`controlplane.console.cards`).
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from controlplane import plugins

if TYPE_CHECKING:
    from fastapi import APIRouter

    from controlplane.console.nav import NavEntry


def consoles() -> list[ModuleType]:
    """The ``<plane>.console`` package of every plane that has one."""
    found = []
    for plane in plugins.PLANES:
        name = f"{plane}.console"
        if importlib.util.find_spec(name) is not None:
            found.append(importlib.import_module(name))
    return found


def routers() -> list[APIRouter]:
    """Each plane's console router."""
    return [module.router for module in consoles()]


def nav_entries() -> list[NavEntry]:
    """Each plane's navigation entries."""
    return [entry for module in consoles() for entry in getattr(module, "NAV", ())]


def template_dirs() -> list[Path]:
    """Each plane's console template folder."""
    folders = [Path(m.__file__).parent / "templates" for m in consoles() if m.__file__]
    return [folder for folder in folders if folder.is_dir()]
