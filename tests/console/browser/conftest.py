"""Browser tests: Debian's Chromium driven by Playwright against a live Socle server.

One browser for this package (its asyncio loop must not outlive it: other tests run
asyncio themselves), a fresh context (cookies) per test, a live uvicorn
server per test on a free loopback port over the test's database, and a screenshot
saved (its path printed in the report) when a test fails.

They run on SQLite only: the pages' tenant scoping and SQL are covered on both
backends by the HTTP tests in ``tests/console``; here the subject is the browser.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from controlplane.api.app import create_app
from controlplane.db import Database
from controlplane.jobs import Worker
from controlplane.settings import Settings
from tests.support.live_server import serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
TIMEOUT_MS = 10_000


@pytest.fixture
def database_url(sqlite_factory: Any) -> str:
    """Browser tests run on SQLite only (see the module docstring)."""
    return str(sqlite_factory.new_url())


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, launched once for the session."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's Chromium "
                    "(apt-get install -y chromium, or `make test`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install playwright "
                    "(never `playwright install`: the tests use Debian's Chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def live_server(settings: Settings, database: Database) -> Iterator[str]:
    """The Socle app served by uvicorn in a thread; yields its base URL."""
    with serve(create_app(settings, database)) as url:
        yield url


@pytest.fixture
def start_worker(database: Database) -> Iterator[Callable[[], None]]:
    """Call it to start a job worker in a thread (stopped at the end of the test)."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start() -> None:
        worker = Worker(database, lease_seconds=10)
        thread = threading.Thread(target=worker.run_forever, args=(stop, 0.05), daemon=True)
        thread.start()
        threads.append(thread)

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=10)


@pytest.fixture
def page(browser: Any, screenshot_dir: Path) -> Iterator[Any]:
    """A fresh page (own cookies) in a laptop-sized French window."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where failing tests leave a screenshot."""
    return tmp_path_factory.mktemp("screenshots")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On a failed browser test, save a screenshot of its page and name it in the report."""
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "funcargs", {}).get("page")
    if report.when != "call" or not report.failed or page is None:
        return
    target = item.funcargs["screenshot_dir"] / f"{item.name.replace('/', '_')}.png"
    try:
        page.screenshot(path=str(target), full_page=True)
    except Exception as exc:  # the page may be gone; the failure itself matters more
        report.sections.append(("screenshot", f"could not take one: {exc}"))
        return
    report.sections.append(("screenshot", f"saved to {target}"))

