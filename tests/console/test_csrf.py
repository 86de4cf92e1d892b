"""Every console form is CSRF-checked: token tied to the session, and the Origin header."""

from __future__ import annotations

from fastapi.testclient import TestClient

from controlplane.db import Database, Scope
from controlplane.finess import make_finess
from controlplane.models import Tenant
from tests.conftest import TokenFactory
from tests.console.support import csrf_of, signed_in


def _tenants(database: Database) -> int:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return db.query(Tenant).count()


def test_forged_posts_are_refused(client: TestClient, auth: TokenFactory,
                                  database: Database) -> None:
    signed_in(client, auth, "gcs-operator")
    form = {"finess": make_finess("69", 123), "name": "Clinique forgée", "kind": "ES"}
    token = csrf_of(client.get("/console/tenants/new").text)
    attempts = [
        ({}, {}),
        ({"csrf_token": "guessed"}, {}),
        ({"csrf_token": token}, {"Origin": "http://evil.example"}),
        ({"csrf_token": token}, {"Origin": "null"}),
    ]
    for extra, headers in attempts:
        answer = client.post("/console/tenants/new", data={**form, **extra}, headers=headers,
                             follow_redirects=False)
        assert answer.status_code == 403, (extra, headers)
        assert "Accès refusé" in answer.text and "formulaire" in answer.text
    assert _tenants(database) == 0
    answer = client.post("/console/tenants/new", data={**form, "csrf_token": token},
                         headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert answer.status_code == 303
    assert _tenants(database) == 1


def test_another_sessions_token_does_not_fit(client: TestClient, auth: TokenFactory) -> None:
    stolen = csrf_of(signed_in(client, auth, "gcs-operator").client.get("/console/").text)
    client.cookies.clear()
    signed_in(client, auth, "gcs-operator")
    answer = client.post("/console/logout", data={"csrf_token": stolen}, follow_redirects=False)
    assert answer.status_code == 403


def test_htmx_header_carries_the_token(client: TestClient, auth: TokenFactory) -> None:
    token = csrf_of(signed_in(client, auth, "gcs-operator").client.get("/console/").text)
    answer = client.post("/console/logout", headers={"X-CSRF-Token": token},
                         follow_redirects=False)
    assert answer.status_code == 303


def test_sign_in_form_is_csrf_checked_too(client: TestClient, auth: TokenFactory) -> None:
    answer = client.post("/console/login", data={"token": "socle_x"}, follow_redirects=False)
    assert answer.status_code == 403
