"""Assembly of the HTTP application: control-plane routers, then each plane's.

This module and the CLI's are the only places where ``controlplane`` imports planes.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from controlplane import console, plugins, schedule
from controlplane.api import audit, jobs, problems, schedules, tenants, tokens
from controlplane.api.admission import Admission
from controlplane.api.deps import API_PREFIX, look_up_token
from controlplane.api.guard import Limits, RequestGuard
from controlplane.api.storable import storable_input
from controlplane.db import Database, get_database
from controlplane.jobs import Worker
from controlplane.metrics import HttpMetricsMiddleware, exposition
from controlplane.secrets import own_secret
from controlplane.settings import Settings, get_settings

log = logging.getLogger(__name__)

METRICS_TOKEN_FILE = "metrics-scrape.token"  # noqa: S105 (a file name)

# The only routes reachable without a token, and why:
PUBLIC_ROUTES = {
    "/healthz": "liveness probe for load balancers and orchestrators",
    "/metrics": "Prometheus scrapes with its own token (SOCLE_DATA_DIR/metrics-scrape.token), "
                "not an API token",
    "/docs": "interactive API documentation (no data)",
    "/docs/oauth2-redirect": "part of the documentation page",
    "/openapi.json": "the API contract, for client generation",
    "/redoc": "API documentation (no data)",
    # Web console (controlplane/console): its pages are outside the OpenAPI document and
    # check their own signed session; these are the ones reachable before signing in.
    "/": "redirects to the web console",
    "/console/login": "the console's sign-in form (GET) and token check (POST, CSRF-checked)",
    "/static": "the console's CSS and JavaScript (no data)",
}


def api_routers() -> list[APIRouter]:
    """Every ``/api/v1`` router: the control plane's, then each plane's."""
    return [tenants.router, tokens.router, jobs.router, audit.router, schedules.router,
            *plugins.plane_routers()]


def scrape_allowed(request: Request, settings: Settings) -> bool:
    """Whether the request carries the scrape token Socle keeps in its data directory."""
    kind, _, given = request.headers.get("authorization", "").partition(" ")
    expected = own_secret(Path(settings.data_dir).resolve(), METRICS_TOKEN_FILE)
    return kind.lower() == "bearer" and hmac.compare_digest(given.strip(), expected)


def request_limits(settings: Settings) -> Limits:
    """How large a request may be: bodies, and the archive deposit's streamed document."""
    return Limits(body_bytes=settings.api_max_body_bytes,
                  streamed={f"{API_PREFIX}/hosting/archives": settings.hosting_archive_max_bytes})


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """The Socle API application."""
    settings = settings or get_settings()
    database = database or get_database(settings.database_url)
    plugins.load(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # as many handler threads as the database pools have connections for them
        to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
        stop = threading.Event()
        thread = scheduler = None
        if settings.embedded_worker:
            worker = Worker(database, lease_seconds=settings.job_lease_seconds)
            thread = threading.Thread(
                target=worker.run_forever,
                args=(stop, settings.worker_poll_seconds),
                name="embedded-worker",
                daemon=True,
            )
            thread.start()
            log.info("embedded worker %s started", worker.worker_id)
            scheduler = schedule.start(database, settings, stop)
        yield
        stop.set()
        if thread is not None:
            thread.join(timeout=settings.job_lease_seconds)
        if scheduler is not None:
            scheduler.join(timeout=settings.job_lease_seconds)

    app = FastAPI(
        title="Socle",
        version="0.1.0",
        summary="Control plane of the regional health IT cooperation (GCS).",
        lifespan=lifespan,
        # Every route: no NUL, unpaired surrogate or NaN reaches a plane (422 naming the field).
        dependencies=[Depends(storable_input)],
    )
    app.state.database = database
    app.state.settings = settings
    if settings.metrics_scrape_token:  # made now, so Prometheus can read it before a scrape
        own_secret(Path(settings.data_dir).resolve(), METRICS_TOKEN_FILE)
    problems.install(app)
    app.add_middleware(RequestGuard, limits=request_limits(settings),
                       authenticate=lambda secret: look_up_token(database, secret))
    app.add_middleware(Admission, limit=settings.api_threads)
    app.add_middleware(HttpMetricsMiddleware)  # outermost: counts refused requests too
    for router in api_routers():
        app.include_router(router)
    # Web console: HTML pages under /console (excluded from OpenAPI), static files.
    for router in console.routers():
        app.include_router(router)
    app.mount("/static", console.static_files(), name="static")

    @app.get("/healthz", tags=["health"])
    async def healthz() -> JSONResponse:
        """Liveness: the process answers (no authentication). On the event loop, not in a
        handler thread: it answers even while every thread is busy."""
        return JSONResponse({"status": "ok"})

    @app.get("/metrics", tags=["health"], response_class=Response,
             responses={401: problems.PROBLEM_RESPONSES[401]})
    def metrics(request: Request) -> Response:
        """Prometheus text exposition (with the scrape token, see SOCLE_METRICS_SCRAPE_TOKEN)."""
        if settings.metrics_scrape_token and not scrape_allowed(request, settings):
            return problems.problem(
                401, "Unauthenticated", "send Authorization: Bearer <the token in "
                "SOCLE_DATA_DIR/metrics-scrape.token>", code="CP-0002",
                headers={"WWW-Authenticate": "Bearer"})
        database = request.app.state.database
        return Response(
            exposition(database) + schedule.exposition(database),
            media_type="text/plain; version=0.0.4; charset=utf-8",
        )

    return app
