"""Rendering pages: the Jinja2 environment (console and plane templates), filters, ``render``."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from controlplane.console import nav, planes
from controlplane.console.labels import french
from controlplane.console.paths import STATIC_DIR, TEMPLATES_DIR

TIMEZONE = ZoneInfo("Europe/Paris")


def local_time(moment: datetime | None) -> str:
    """A UTC timestamp as French users read it: ``27/11/2025 22:05:07`` (Paris time)."""
    if moment is None:
        return "—"
    return moment.astimezone(TIMEZONE).strftime("%d/%m/%Y %H:%M:%S")


def percent(fraction: float | None) -> int:
    """A 0..1 fraction as a whole percentage, clamped to 0..100."""
    return max(0, min(100, round((fraction or 0.0) * 100)))


def query(params: dict[str, Any], **changes: Any) -> str:
    """``params`` with ``changes`` applied, as a query string (empty values left out)."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@lru_cache(maxsize=32)
def static(path: str) -> str:
    """The URL of a static file, versioned by its content so browsers never keep a stale one."""
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]
    return f"/static/{path}?v={digest}"


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The console's templates, then each plane's (read once per process)."""
    loaders = [FileSystemLoader(folder) for folder in (TEMPLATES_DIR, *planes.template_dirs())]
    environment = Environment(
        loader=ChoiceLoader(loaders), autoescape=True, undefined=StrictUndefined
    )
    environment.filters.update(french=french, local_time=local_time, percent=percent)
    environment.globals.update(query=query, static=static)
    return Jinja2Templates(env=environment)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    """Render page ``name`` with the layout's context: visitor, navigation, CSRF token."""
    visitor = getattr(request.state, "visitor", None)
    session = getattr(request.state, "console_session", None)
    page = {
        "visitor": visitor,
        "nav": nav.entries_for(visitor.principal) if visitor else [],
        "csrf_token": session.csrf if session else "",
        "current_path": request.url.path,
        **(context or {}),
    }
    return templates().TemplateResponse(request, name, page, status_code=status)
