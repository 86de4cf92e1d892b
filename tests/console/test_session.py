"""Signing in and out: the session cookie, its flags, and the token re-checked each time."""

from __future__ import annotations

import stat
from http.cookies import SimpleCookie

from fastapi.testclient import TestClient
from httpx import Response

from controlplane.api.app import create_app
from controlplane.console import secret
from controlplane.console.session import COOKIE_NAME
from controlplane.db import Database
from controlplane.settings import Settings
from tests.conftest import TokenFactory
from tests.console.support import ConsoleClient, secret_of, signed_in


def _cookie(answer: Response) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    jar.load(answer.headers["set-cookie"])
    return jar


def test_pages_send_strangers_to_the_sign_in_form(client: TestClient) -> None:
    answer = client.get("/console/tenants?kind=ES", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?next=%2Fconsole%2Ftenants%3Fkind%3DES"
    assert client.get("/", follow_redirects=False).headers["location"] == "/console/"
    assert client.get("/console/nowhere", follow_redirects=False).status_code == 303


def test_sign_in_sets_a_hardened_cookie_and_leads_to_the_page_asked_for(
    client: TestClient, auth: TokenFactory
) -> None:
    answer = ConsoleClient(client).sign_in(secret_of(auth("auditor")), next_path="/console/audit")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/audit"
    morsel = _cookie(answer)[COOKIE_NAME]
    assert morsel["httponly"] and morsel["samesite"].lower() == "lax" and morsel["path"] == "/"
    assert not morsel["secure"], "plain http: a Secure cookie would never come back"
    assert 0 < int(morsel["max-age"]) <= 8 * 3600
    page = client.get("/console/audit")
    assert page.status_code == 200 and "Journal d’audit" in page.text
    assert "test-auditor" in page.text and "Auditeur" in page.text


def test_cookie_is_secure_over_https(settings: Settings, database: Database,
                                     auth: TokenFactory) -> None:
    with TestClient(create_app(settings, database), base_url="https://console.test") as client:
        answer = ConsoleClient(client).sign_in(secret_of(auth("gcs-operator")))
    assert _cookie(answer)[COOKIE_NAME]["secure"]


def test_wrong_token_is_refused_in_french(client: TestClient) -> None:
    answer = ConsoleClient(client).sign_in("socle_not-a-real-token")
    assert answer.status_code == 401
    assert "Jeton inconnu, révoqué ou expiré." in answer.text
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_open_redirects_are_refused(client: TestClient, auth: TokenFactory) -> None:
    answer = ConsoleClient(client).sign_in(secret_of(auth("auditor")), next_path="//evil.example/")
    assert answer.headers["location"] == "/console/"


def test_signing_in_renews_the_csrf_secret(client: TestClient, auth: TokenFactory) -> None:
    before = _cookie(client.get("/console/login"))[COOKIE_NAME].value
    after = _cookie(ConsoleClient(client).sign_in(secret_of(auth("auditor"))))[COOKIE_NAME].value
    assert before.split(".")[0] != after.split(".")[0]


def test_sign_out_forgets_the_session(client: TestClient, auth: TokenFactory) -> None:
    console = signed_in(client, auth, "auditor")
    answer = console.post_form("/console/", "/console/logout", {})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")
    assert _cookie(answer)[COOKIE_NAME]["max-age"] == "0"
    assert client.get("/console/", follow_redirects=False).status_code == 303
    assert "Vous êtes déconnecté." in client.get(answer.headers["location"]).text


def test_revoked_token_signs_out_at_the_next_page(client: TestClient, auth: TokenFactory) -> None:
    headers = auth("gcs-operator")
    ConsoleClient(client).sign_in(secret_of(headers))
    assert client.get("/console/tenants").status_code == 200
    own_id = client.get("/api/v1/tokens", headers=headers).json()["items"][0]["id"]
    assert client.delete(f"/api/v1/tokens/{own_id}", headers=headers).status_code == 200
    answer = client.get("/console/tenants", follow_redirects=False)
    assert answer.status_code == 303 and "ended=1" in answer.headers["location"]
    assert _cookie(answer)[COOKIE_NAME]["max-age"] == "0"
    assert "Votre session a pris fin" in client.get(answer.headers["location"]).text


def test_forged_or_tampered_cookies_are_ignored(client: TestClient, auth: TokenFactory) -> None:
    signed_in(client, auth, "gcs-operator")
    value = client.cookies[COOKIE_NAME]
    payload, signature = value.rsplit(".", 1)
    client.cookies.set(COOKIE_NAME, payload + "." + signature[::-1])
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_the_signing_secret_is_created_once_and_private(
    client: TestClient, settings: Settings
) -> None:
    client.get("/console/login")
    path = settings.data_dir.resolve() / secret.SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    secret.load_or_create.cache_clear()
    assert secret.load_or_create(settings.data_dir.resolve()) == first.strip()
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".console-secret")] == []
