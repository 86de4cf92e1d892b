"""An establishment requests storage in a real browser and sees its cost before sending;
an operator approves it and watches the provisioning job create the bucket on a
simulated HDS provider (SeaweedFS S3 on loopback)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from controlplane.db import Database, Scope
from hosting.providers import service as provider_service
from hosting.providers.schemas import ProviderCreate
from hosting.sim.providers import SimulatedProviders
from tests.conftest import TenantFactory, TokenFactory
from tests.console.browser.actions import sign_in
from tests.console.support import secret_of
from tests.hosting.factories import HostingFactory, provider_body

JOB_TIMEOUT_MS = 60_000
KEYS = "SOCLE_SECRET_HOSTING_TEST_CONSOLE_HDS_KEYS"


@pytest.fixture(scope="module")
def providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatedProviders]:
    with SimulatedProviders(tmp_path_factory.mktemp("providers")) as sim:
        yield sim


@pytest.fixture
def storage_offer(database: Database, providers: SimulatedProviders,
                  monkeypatch: pytest.MonkeyPatch) -> str:
    """One HDS provider on the first simulated S3 server, and a storage offer; its name."""
    endpoint = providers.s3[0]
    monkeypatch.setenv(KEYS, f"{endpoint.access_key}:{endpoint.secret_key}")
    body = provider_body(1, name="hds-console", s3_endpoint=endpoint.url, ec2_endpoint=None,
                         s3_region=endpoint.region, credential_ref=f"env:{KEYS}")
    with database.transaction(scope=Scope.unrestricted()) as db:
        provider_service.create_provider(db, ProviderCreate(**body), actor="tests")
    return HostingFactory(database).offer(name="Stockage HDS").name


def test_establishment_requests_storage_sees_the_cost_operator_approves_job_finishes(
    live_server: str, page: Any, auth: TokenFactory, make_tenant: TenantFactory,
    storage_offer: str, start_worker: Callable[[], None],
) -> None:
    tenant = make_tenant(name="Clinique des Alpes")
    sign_in(page, live_server, secret_of(auth("establishment", tenant)))
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Hébergement").click()
    page.get_by_role("link", name=f"Demander l’offre {storage_offer}").click()
    cost = page.get_by_role("status")
    expect(cost).to_contain_text("12,00\u00a0€")  # the default 100 GB
    page.get_by_label("size_gb").fill("250")
    expect(cost).to_contain_text("15,00\u00a0€")  # priced live, before sending
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("status")).to_contain_text("Votre demande est enregistrée")
    heading = page.get_by_role("heading", level=1).inner_text()
    request_id = re.search(r"Demande (\d+)", heading).group(1)  # type: ignore[union-attr]
    page.get_by_role("button", name="Se déconnecter").click()

    sign_in(page, live_server, secret_of(auth("gcs-operator")))
    page.goto(f"{live_server}/console/hosting/requests")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demandes à valider")
    page.get_by_role("link", name=f"Demande {request_id}", exact=True).click()
    expect(page.locator("dl.facts")).to_contain_text("15,00\u00a0€")
    start_worker()
    page.get_by_role("button", name="Approuver et mettre en service").click()
    page.wait_for_url(re.compile(r".*/console/jobs/\d+$"))
    expect(page.locator("#job-live")).to_contain_text("Réussie", timeout=JOB_TIMEOUT_MS)

    page.goto(f"{live_server}/console/hosting/subscriptions")
    row = page.get_by_role("row").filter(has_text=f"demande {request_id}")
    expect(row).to_contain_text("bucket")
    expect(row).to_contain_text("hds-console")
