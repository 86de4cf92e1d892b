"""``socle``: the root command, ``serve``, ``worker`` and ``demo``; sub-commands by topic."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import typer

from controlplane import demo, plugins
from controlplane.cli import audit, db, job, schedule, sim, tenant, token
from controlplane.cli.common import console, handle_errors, local_actor, transaction
from controlplane.cli.planes import LazyPlanesGroup
from controlplane.settings import describe_settings, get_settings

SETTINGS_HELP = "\n\n".join(
    f"{name} (default {default}): {description}"
    for name, default, description in describe_settings()
)

app = typer.Typer(
    cls=LazyPlanesGroup,  # socle <plane>: imported when used, listed from PLANE_CLI_HELP
    help="Socle, control plane of the regional health IT cooperation.\n\nSettings, from the "
    "environment or the TOML file named by SOCLE_CONFIG:\n\n" + SETTINGS_HELP,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(db.app, name="db")
app.add_typer(token.app, name="token")
app.add_typer(tenant.app, name="tenant")
app.add_typer(job.app, name="job")
app.add_typer(audit.app, name="audit")
app.add_typer(sim.app, name="sim")
app.add_typer(schedule.app, name="schedule")


def _configure_logging() -> None:
    logging.basicConfig(
        level=get_settings().log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Default: SOCLE_HOST."),
    port: int | None = typer.Option(None, help="Default: SOCLE_PORT."),
) -> None:
    """Serve the API (and the job worker unless SOCLE_EMBEDDED_WORKER=false)."""
    import uvicorn

    from controlplane.api.app import create_app

    _configure_logging()
    settings = get_settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        # X-Forwarded-Proto/-For only from SOCLE_TRUSTED_PROXIES (not FORWARDED_ALLOW_IPS)
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies,
    )


@app.command()
def worker(
    once: bool = typer.Option(False, help="Run at most one job, then exit."),
) -> None:
    """Run queued jobs and the periodic schedules (several workers may share the queue)."""
    from controlplane.db import get_database
    from controlplane.jobs import Worker
    from controlplane.schedule import start as start_scheduler

    _configure_logging()
    settings = get_settings()
    plugins.load(settings)
    runner = Worker(get_database(), lease_seconds=settings.job_lease_seconds)
    if once:
        runner.run_once()
        return
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        console.print("stopping after the current job")
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    console.print(f"worker {runner.worker_id} waiting for jobs")
    scheduler = start_scheduler(runner.database, settings, stop)
    runner.run_forever(stop, settings.worker_poll_seconds)
    if scheduler is not None:
        scheduler.join(timeout=settings.job_lease_seconds)


@app.command("demo")
@handle_errors
def demo_command() -> None:
    """Seed a demo region (idempotent); writes demo tokens to SOCLE_DATA_DIR once."""
    settings = get_settings()
    plugins.load(settings)  # the seeders touch every plane's tables and job kinds
    with transaction() as session:
        result = demo.seed(session, actor=local_actor(), data_dir=settings.data_dir)
        lines = [seed(session, actor=local_actor(), settings=settings)
                 for seed in plugins.demo_seeders()]
    console.print(f"demo region: {result.tenants_created} tenant(s) created")
    for line in (line for plane_lines in lines for line in plane_lines):
        console.print(line)
    if result.tokens_file:
        console.print(f"demo tokens (one per role) written to {result.tokens_file} (mode 0600)")


def main() -> None:
    """Entry point of the ``socle`` console script."""
    app()
