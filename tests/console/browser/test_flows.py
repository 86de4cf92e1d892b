"""What people do in the console, in a real browser (Debian's Chromium, headless)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Route, expect

from controlplane import jobs
from controlplane.db import Database, Scope
from controlplane.finess import make_finess
from controlplane.models import Tenant
from tests.conftest import TenantFactory, TokenFactory
from tests.console.browser.actions import sign_in
from tests.console.support import secret_of


def _main_nav(page: Any) -> Any:
    return page.get_by_role("navigation", name="Navigation principale")


def test_operator_creates_a_tenant_and_finds_it_in_the_list(
    live_server: str, page: Any, auth: TokenFactory
) -> None:
    sign_in(page, live_server, secret_of(auth("gcs-operator")))
    _main_nav(page).get_by_role("link", name="Établissements").click()
    page.get_by_role("link", name="Nouvel établissement").click()
    finess = make_finess("38", 777)
    page.get_by_label("Numéro FINESS").fill(finess)
    page.get_by_label("Nom", exact=False).first.fill("Centre hospitalier de Voiron")
    page.get_by_label("Catégorie").select_option("ES")
    page.get_by_role("button", name="Créer l’établissement").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Centre hospitalier de Voiron")
    expect(page.get_by_role("status")).to_contain_text("Les modifications sont enregistrées.")
    _main_nav(page).get_by_role("link", name="Établissements").click()
    row = page.get_by_role("row").filter(has_text=finess)
    expect(row).to_contain_text("Centre hospitalier de Voiron")
    expect(row).to_contain_text("Actif")


def test_job_progress_reaches_100_percent_live(
    live_server: str, page: Any, auth: TokenFactory, database: Database, tmp_path: Path,
    start_worker: Callable[[], None],
) -> None:
    release = tmp_path / "release"
    with database.transaction(scope=Scope.unrestricted()) as db:
        job_id = jobs.enqueue(db, kind="test.three-steps", actor="tests",
                              params={"marker": str(tmp_path / "m"), "release": str(release)}).id
    sign_in(page, live_server, secret_of(auth("gcs-operator")))
    page.goto(f"{live_server}/console/jobs/{job_id}")
    live = page.locator("#job-live")
    bar = live.get_by_role("progressbar")
    expect(live).to_contain_text("En attente")
    page.evaluate("window.stillTheSamePage = true")

    start_worker()
    expect(bar).to_have_attribute("aria-valuenow", "33")
    expect(live.locator(".steps li").filter(has_text="push")).to_contain_text("En cours")
    release.touch()
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(live).to_contain_text("Réussie")
    expect(live).to_have_attribute("data-live-state", "over")
    expect(page.locator("#job-announce")).to_have_text("Réussie, 100 %")
    expect(page.get_by_role("button", name="Annuler la tâche")).to_be_hidden()
    assert page.evaluate("window.stillTheSamePage") is True, "updated in place, not reloaded"


def test_establishment_typing_another_tenants_address_gets_not_found(
    live_server: str, page: Any, auth: TokenFactory, make_tenant: TenantFactory
) -> None:
    own, other = make_tenant(name="Clinique du Parc"), make_tenant(name="Hôpital voisin")
    sign_in(page, live_server, secret_of(auth("establishment", own)))
    expect(_main_nav(page).get_by_role("link")).to_have_text(
        ["Aperçu", "Établissements", "Tâches", "Réseau", "Hébergement", "Sécurité (SSI)",
         "Applications"])

    answer = page.goto(f"{live_server}/console/tenants/{other.finess}")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    expect(page.locator("body")).not_to_contain_text("Hôpital voisin")
    page.goto(f"{live_server}/console/tenants/{own.finess}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinique du Parc")


def test_sign_in_with_the_keyboard_only(live_server: str, page: Any, auth: TokenFactory) -> None:
    page.goto(f"{live_server}/console/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Jeton d’accès")).to_be_focused()
    page.keyboard.type(secret_of(auth("auditor")))
    page.keyboard.press("Tab")
    button = page.get_by_role("button", name="Se connecter")
    expect(button).to_be_focused()
    outline = button.evaluate("b => getComputedStyle(b).outlineStyle + ' ' + "
                              "getComputedStyle(b).outlineWidth")
    assert outline == "solid 3px", f"the focus must be visible, got {outline!r}"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/console/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aperçu")


def test_a_form_forged_on_another_site_is_refused(
    live_server: str, page: Any, auth: TokenFactory, database: Database
) -> None:
    sign_in(page, live_server, secret_of(auth("gcs-operator")))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        forged = f"http://127.0.0.1:{probe.getsockname()[1]}/cadeau"
    finess = make_finess("69", 31337)
    body = (f'<form method="post" action="{live_server}/console/tenants/new">'
            f'<input name="finess" value="{finess}"><input name="name" value="Forgé">'
            '<input name="kind" value="ES"><button>Gagner un cadeau</button></form>')

    def serve(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=body)

    page.route(forged, serve)
    page.goto(forged)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Gagner un cadeau").click()
    assert navigation.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert db.query(Tenant).filter_by(finess=finess).count() == 0
