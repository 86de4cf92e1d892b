"""Hosting pages over HTTP: the catalogue, the request form priced before sending, the
approval queue with approve/reject, subscriptions; roles and tenants enforced.

The offer (from the hosting factories) costs 10,00 € a month plus 2 cents per GB,
10 to 1000 GB: 250 GB cost 10,00 + 5,00 = 15,00 €.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from controlplane.db import Database, Scope
from controlplane.models import Job
from hosting.catalogue.schemas import OfferRead
from hosting.console.labels import euros
from hosting.subscriptions.models import HostingRequest
from tests.conftest import TenantFactory, TokenFactory
from tests.console.support import signed_in
from tests.hosting.factories import HostingFactory


@pytest.fixture
def hosting(database: Database) -> HostingFactory:
    return HostingFactory(database)


@pytest.fixture
def offer(hosting: HostingFactory) -> OfferRead:
    return hosting.placeable_offer()


def _request_id(location: str) -> int:
    found = re.fullmatch(r"/console/hosting/requests/(\d+)\?sent=1", location)
    assert found, location
    return int(found.group(1))


def test_euros_are_written_the_french_way() -> None:
    assert euros(123456) == "1\u202f234,56\u00a0€"
    assert euros(5) == "0,05\u00a0€"
    assert euros(None) == "—"


def test_establishment_prices_then_sends_a_request(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, offer: OfferRead,
    database: Database,
) -> None:
    tenant = make_tenant()
    console = signed_in(client, auth, "establishment", tenant)
    catalogue = client.get("/console/hosting").text
    assert offer.name in catalogue and "10,00\u00a0€" in catalogue

    form = client.get(f"/console/hosting/offers/{offer.code}?p_size_gb=250").text
    assert "Coût mensuel estimé : <strong class=\"figure-inline\">15,00\u00a0€" in form
    assert "FINESS de l’établissement" not in form  # an establishment requests for itself
    live = client.get(f"/console/hosting/offers/{offer.code}/cost?p_size_gb=300",
                      headers={"HX-Request": "true"})
    assert live.status_code == 200 and "16,00\u00a0€" in live.text
    assert "<html" not in live.text  # a fragment for htmx
    wrong = client.get(f"/console/hosting/offers/{offer.code}?p_size_gb=5").text
    assert "Choisissez une valeur entre 10 et 1000\u00a0GB." in wrong
    assert "Coût mensuel estimé" not in wrong

    sent = console.post_form(f"/console/hosting/offers/{offer.code}",
                             f"/console/hosting/offers/{offer.code}", {"p_size_gb": "250"})
    assert sent.status_code == 303, sent.text
    request_id = _request_id(sent.headers["location"])
    page = client.get(sent.headers["location"]).text
    assert "Votre demande est enregistrée" in page and "À valider" in page
    assert "15,00\u00a0€" in page
    assert "Approuver" not in page and "Refuser" not in page
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        stored = db.get_one(HostingRequest, request_id)
        assert (stored.tenant_id, stored.monthly_cost_cents) == (tenant.id, 1500)


def test_invalid_parameters_record_nothing(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, offer: OfferRead,
    database: Database,
) -> None:
    console = signed_in(client, auth, "establishment", make_tenant())
    path = f"/console/hosting/offers/{offer.code}"
    for value, message in (("abc", "Saisissez un nombre entier."),
                           ("5000", "Choisissez une valeur entre 10 et 1000\u00a0GB."),
                           ("", "Ce champ est obligatoire.")):
        answer = console.post_form(path, path, {"p_size_gb": value})
        assert answer.status_code == 422 and message in answer.text
        assert 'id="f-p_size_gb" name="p_size_gb"' in answer.text
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert db.query(HostingRequest).count() == 0


def test_operator_must_name_the_establishment(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, offer: OfferRead
) -> None:
    tenant = make_tenant()
    console = signed_in(client, auth, "gcs-operator")
    path = f"/console/hosting/offers/{offer.code}"
    missing = console.post_form(path, path, {"p_size_gb": "100"})
    assert missing.status_code == 422
    assert "Indiquez le numéro FINESS de l’établissement." in missing.text
    sent = console.post_form(path, path, {"p_size_gb": "100", "tenant": tenant.finess.lower()})
    assert sent.status_code == 303
    assert f"FINESS {tenant.finess}" in client.get(sent.headers["location"]).text


def test_operator_queue_reject_needs_a_reason_the_establishment_then_reads(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory,
    hosting: HostingFactory,
) -> None:
    tenant = make_tenant()
    pending = hosting.request(tenant)
    operator = signed_in(client, auth, "gcs-operator")
    queue = client.get("/console/hosting/requests").text
    assert "Demandes à valider" in queue and f"Demande {pending.id}</a>" in queue

    page = f"/console/hosting/requests/{pending.id}"
    blank = operator.post_form(page, f"{page}/reject", {"reason": "  "})
    assert blank.status_code == 422 and "Ce champ est obligatoire." in blank.text
    refused = operator.post_form(page, f"{page}/reject",
                                 {"reason": "Budget 2027 non encore voté"})
    assert refused.status_code == 303
    assert f"Demande {pending.id}</a>" not in client.get("/console/hosting/requests").text

    client.cookies.clear()
    signed_in(client, auth, "establishment", tenant)
    seen = client.get(page).text
    assert "Refusée" in seen and "Budget 2027 non encore voté" in seen


def test_approving_queues_the_provisioning_job_and_opens_its_page(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory,
    hosting: HostingFactory, database: Database,
) -> None:
    pending = hosting.request(make_tenant())
    operator = signed_in(client, auth, "gcs-operator")
    page = f"/console/hosting/requests/{pending.id}"
    approved = operator.post_form(page, f"{page}/approve", {})
    assert approved.status_code == 303
    job_id = int(approved.headers["location"].rsplit("/", 1)[1])
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert db.get_one(Job, job_id).kind == "hosting.provision"
    again = operator.post_form(page, f"{page}/approve", {})
    assert again.status_code == 409 and "Conflit" in again.text


def test_establishments_see_only_their_own_requests_and_subscriptions(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory,
    hosting: HostingFactory,
) -> None:
    own, other = make_tenant(), make_tenant()
    mine, theirs = hosting.subscription(own), hosting.subscription(other)
    console = signed_in(client, auth, "establishment", own)
    listing = client.get("/console/hosting/subscriptions").text
    assert f"demande {mine.request_id}</a>" in listing
    assert f"demande {theirs.request_id}</a>" not in listing
    assert own.finess in listing and other.finess not in listing
    answer = client.get(f"/console/hosting/requests/{theirs.request_id}")
    assert answer.status_code == 404 and "Page introuvable" in answer.text
    forged = console.post_form("/console/hosting", f"/console/hosting/requests/"
                               f"{theirs.request_id}/approve", {})
    assert forged.status_code == 403


def test_roles_without_request_rights_get_no_form(
    client: TestClient, auth: TokenFactory, offer: OfferRead
) -> None:
    signed_in(client, auth, "auditor")
    assert "Demander" not in client.get("/console/hosting").text
    assert client.get(f"/console/hosting/offers/{offer.code}").status_code == 403
