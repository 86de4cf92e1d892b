"""What the planes contribute to the assembled application: routers, CLIs, simulators.

The control plane imports no plane statically (``.importlinter`` keeps it so). Each
plane contributes by convention, if the module exists:

- ``<plane>.models``: its tables, in the shared metadata (imported by the migrations);
- ``<plane>.api``: ``router`` (a FastAPI APIRouter) mounted in the HTTP API;
- ``<plane>.cli``: ``app`` (a Typer app) mounted as ``socle <plane>``, imported only when
  a command line uses it; its one-line help is repeated in ``PLANE_CLI_HELP`` so that
  ``socle --help`` lists it without importing the plane;
- ``<plane>.sim``: ``SIMULATORS`` (controlplane.simulation.Simulator entries);
- ``<plane>.sim.faults``: ``FAULT_KINDS`` (controlplane.faults.FaultKind entries: the
  faults its simulators honour, for ``socle sim fault``);
- ``<plane>.demo``: ``seed(db, *, actor, settings) -> list[str]`` (called by ``socle demo``);
- ``<plane>.evidence``: ``COLLECTORS`` (evidence key → collector, see controlplane.evidence);
  optionally ``BATCHED`` (evidence key → collector of many tenants in one go);
- ``<plane>.schedules``: ``SCHEDULES`` (periodic work, see controlplane.schedule);
- ``<plane>.metrics``: ``COLLECTORS`` (Prometheus collectors made with the database,
  read at scrape time, see controlplane.metrics);

and registers its job kinds and reconcilers when imported. ``SOCLE_PLUGINS`` names
extra modules to import (the tests use it for their own job kinds).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import TYPE_CHECKING, Any

from controlplane.settings import Settings

if TYPE_CHECKING:
    from fastapi import APIRouter
    from typer import Typer

    from controlplane.faults import FaultKind
    from controlplane.schedule import Schedule
    from controlplane.simulation import Simulator

PLANES: tuple[str, ...] = ("network", "hosting", "ssi", "apps")

PLANE_CLI_HELP: dict[str, str] = {
    "network": "Network plane: inventory and IP/VPN plan.",
    "hosting": "Hosting plane: HDS providers, catalogue, requests.",
    "ssi": "SSI plane: frameworks, diagnostic flash campaigns, EBIOS RM studies, HN/CaRE.",
    "apps": "Regional application services: catalogue, deployments, drift.",
}
"""Plane → the help of its ``<plane>.cli.app``, in ``socle --help`` order (a test keeps
them equal)."""

_loaded: set[str] = set()


def _optional(module: str) -> ModuleType | None:
    """Import ``module`` if it exists (a plane may not have built that part yet)."""
    try:
        if importlib.util.find_spec(module) is None:
            return None
    except ModuleNotFoundError:  # a parent package is missing (``ssi.sim`` for ssi.sim.faults)
        return None
    return importlib.import_module(module)


def contributions(part: str, attribute: str) -> list[tuple[str, Any]]:
    """(plane, ``<plane>.<part>.<attribute>``) for every plane that provides it."""
    found = []
    for plane in PLANES:
        module = _optional(f"{plane}.{part}")
        if module is not None and hasattr(module, attribute):
            found.append((plane, getattr(module, attribute)))
    return found


def load(settings: Settings) -> None:
    """Import every plane and every extra plugin module once."""
    extra = [name.strip() for name in settings.plugins.split(",") if name.strip()]
    for name in [*PLANES, *extra]:
        if name not in _loaded:
            importlib.import_module(name)
            _loaded.add(name)


def load_models() -> None:
    """Import each plane's ``models`` so its tables join the shared metadata (Alembic)."""
    for plane in PLANES:
        _optional(f"{plane}.models")


def plane_routers() -> list[APIRouter]:
    """Each plane's API router."""
    return [router for _, router in contributions("api", "router")]


def plane_cli(plane: str) -> Typer | None:
    """The Typer app of ``<plane>.cli`` (imported now), or None if the plane has no CLI yet."""
    return getattr(_optional(f"{plane}.cli"), "app", None)


def plane_simulators() -> list[Simulator]:
    """Every simulator the planes declare, in plane order."""
    return [sim for _, sims in contributions("sim", "SIMULATORS") for sim in sims]


def plane_fault_kinds() -> dict[str, FaultKind]:
    """Every fault kind the planes' simulators honour, by name."""
    return {kind.name: kind for _, kinds in contributions("sim.faults", "FAULT_KINDS")
            for kind in kinds}


def demo_seeders() -> list[Any]:
    """Each plane's demo ``seed`` function."""
    return [seed for _, seed in contributions("demo", "seed")]


def plane_schedules() -> list[Schedule]:
    """Every schedule the planes declare, in plane order."""
    return [entry for _, entries in contributions("schedules", "SCHEDULES") for entry in entries]
