"""The web console: server-rendered French pages over the same services as the API.

Pages are Jinja2 templates with a little htmx and vanilla JavaScript served from
``static/`` (no build step, no CDN). Sign-in takes an API token; the session is a
signed cookie (:mod:`.session`), every form is CSRF-checked (:mod:`.csrf`), and every
page reads through the visitor's tenant-scoped database session (:mod:`.identity`).

The application mounts :func:`routers` and :func:`static_files`. A plane adds its pages
in one place, ``<plane>/console/`` (see :mod:`.planes`): a router made with
:func:`console_router`, its ``NAV`` entries and its templates.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from controlplane.console import planes
from controlplane.console.cards import OverviewCard
from controlplane.console.identity import Visitor, allowed
from controlplane.console.nav import NavEntry
from controlplane.console.paths import STATIC_DIR
from controlplane.console.rendering import render
from controlplane.console.routing import console_router

__all__ = [
    "STATIC_DIR",
    "NavEntry",
    "OverviewCard",
    "Visitor",
    "allowed",
    "console_router",
    "render",
    "routers",
    "static_files",
]


def routers() -> list[APIRouter]:
    """The console's routers: sign-in, the control plane's pages, each plane's, then 404."""
    from controlplane.console.pages import (
        audit,
        fallback,
        job_events,
        jobs,
        login,
        overview,
        tenants,
        tokens,
    )

    core = [login, overview, tenants, jobs, job_events, tokens, audit]
    return [*(page.router for page in core), *planes.routers(), fallback.router]


def static_files() -> StaticFiles:
    """The console's CSS, JavaScript and vendored htmx."""
    return StaticFiles(directory=STATIC_DIR)
