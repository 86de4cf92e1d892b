"""A network engineer plans a site in a real browser, reads the diff, applies it and
watches the job finish, against a simulated IOS router (FakeNOS over SSH on loopback)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from network.sim.routers import SimulatedRouters
from tests.conftest import TokenFactory
from tests.console.browser.actions import sign_in
from tests.console.support import secret_of
from tests.network.region import Region, region_fixture  # noqa: F401

JOB_TIMEOUT_MS = 60_000


@pytest.fixture(name="routers", scope="module")
def one_router() -> Iterator[SimulatedRouters]:
    """One simulated IOS router for this module (``ce01``)."""
    with SimulatedRouters(1, ["cisco_ios"]) as simulated:
        yield simulated


def test_engineer_plans_a_site_reads_the_diff_applies_and_sees_the_job_finish(
    live_server: str, page: Any, auth: TokenFactory, region: Region,
    start_worker: Callable[[], None],
) -> None:
    router = region.add_router("ce01")
    site = region.sites[router]
    sign_in(page, live_server, secret_of(auth("network-engineer")))
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Réseau").click()
    page.get_by_role("link", name=f"Site {router}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(site)

    page.get_by_role("button", name="Planifier la configuration").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Plan de configuration")
    expect(page.get_by_role("heading", level=2, name=router)).to_be_visible()
    added = page.locator(".diff-add")
    expect(added.first).to_be_visible()
    assert added.count() > 3, "the diff shows the lines the plan adds"
    plan_url = page.url

    start_worker()
    page.get_by_role("button", name="Appliquer ce plan").click()
    page.wait_for_url(re.compile(r".*/console/jobs/\d+$"))
    live = page.locator("#job-live")
    expect(live).to_contain_text("Réussie", timeout=JOB_TIMEOUT_MS)
    expect(live.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")

    page.goto(plan_url)
    expect(page.locator(".page-head .badge")).to_have_text("Appliqué")
    expect(page.get_by_role("button", name="Appliquer ce plan")).to_have_count(0)
