"""Console session hardening: signing out ends the session on the server, and the cookie
is Secure behind a TLS proxy only when that proxy is trusted (SOCLE_TRUSTED_PROXIES)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer
from pydantic import ValidationError

from controlplane.console import secret, session
from controlplane.console.session import COOKIE_NAME, ConsoleSession
from controlplane.db import Database, Scope, utcnow
from controlplane.models import ConsoleSignout
from controlplane.settings import Settings
from tests.conftest import TokenFactory
from tests.console.support import ConsoleClient, csrf_of, secret_of, signed_in
from tests.support.postgres import free_port

REPO = Path(__file__).resolve().parents[2]
TRUSTED_PROXY = "127.0.0.2"  # a loopback address of its own: the "TLS proxy"
BROWSER = "127.0.0.1"  # any other peer


def _cookie(answer: httpx.Response) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    jar.load(answer.headers["set-cookie"])
    return jar


def _signouts(database: Database) -> list[str]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return [row.session_id for row in db.query(ConsoleSignout).all()]


def test_a_copied_cookie_is_refused_after_sign_out(client: TestClient, auth: TokenFactory,
                                                   database: Database) -> None:
    console = signed_in(client, auth, "gcs-operator")
    copied = client.cookies[COOKIE_NAME]
    assert client.get("/console/tenants").status_code == 200
    answer = console.post_form("/console/", "/console/logout", {})
    assert answer.status_code == 303 and "signed_out=1" in answer.headers["location"]
    assert len(_signouts(database)) == 1
    client.cookies.set(COOKIE_NAME, copied)  # replayed from elsewhere
    replayed = client.get("/console/tenants", follow_redirects=False)
    assert replayed.status_code == 303
    assert replayed.headers["location"].startswith("/console/login?")
    assert "ended=1" in replayed.headers["location"]
    assert _cookie(replayed)[COOKIE_NAME]["max-age"] == "0"
    client.cookies.set(COOKIE_NAME, copied)
    htmx = client.get("/console/tenants", headers={"HX-Request": "true"},
                      follow_redirects=False)
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].startswith("/console/login")


def test_sign_out_ends_only_that_session(client: TestClient, auth: TokenFactory) -> None:
    token = secret_of(auth("auditor"))
    first = ConsoleClient(client)
    assert first.sign_in(token).status_code == 303
    with TestClient(client.app) as other_browser:
        second = ConsoleClient(other_browser)
        assert second.sign_in(token).status_code == 303
        first.post_form("/console/", "/console/logout", {})
        assert other_browser.get("/console/audit").status_code == 200
    assert client.get("/console/", follow_redirects=False).status_code == 303
    assert first.sign_in(token).status_code == 303, "signing in again starts a new session"
    assert client.get("/console/audit").status_code == 200


def test_cookies_without_a_session_id_are_ignored(client: TestClient, auth: TokenFactory,
                                                  settings: Settings) -> None:
    signed_in(client, auth, "gcs-operator")
    payload = URLSafeSerializer(secret.load_or_create(settings.data_dir.resolve()),
                                salt="socle.console.session").loads(client.cookies[COOKIE_NAME])
    del payload["i"]  # as written before sign-out was recorded server-side
    legacy = URLSafeSerializer(secret.load_or_create(settings.data_dir.resolve()),
                               salt="socle.console.session").dumps(payload)
    client.cookies.set(COOKIE_NAME, legacy)
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_sign_outs_are_idempotent_and_pruned_once_expired(database: Database) -> None:
    old = ConsoleSession.start(token_id=1)
    old = ConsoleSession(csrf=old.csrf, expires=int(time.time()) - 1,
                         session_id=old.session_id, token_id=1)
    current = ConsoleSession.start(token_id=1)
    with database.transaction(scope=Scope.unrestricted()) as db:
        session.end(db, old)
    with database.transaction(scope=Scope.unrestricted()) as db:
        session.end(db, current)
        session.end(db, current)  # twice (two tabs signing out at once): no conflict
    assert _signouts(database) == [current.session_id]
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert session.is_ended(db, current) and not session.is_ended(db, old)
        kept = db.get(ConsoleSignout, current.session_id)
        assert kept is not None
        assert utcnow() < kept.expires_at <= utcnow() + timedelta(seconds=session.LIFETIME_SECONDS)


def test_trusted_proxies_setting_is_checked_and_normalised() -> None:
    assert Settings(trusted_proxies=" 10.0.0.0/8, 192.0.2.1 ").trusted_proxies == (
        "10.0.0.0/8,192.0.2.1")
    assert Settings(trusted_proxies="").trusted_proxies == ""
    assert Settings(trusted_proxies="10.0.0.1,*").trusted_proxies == "*"
    with pytest.raises(ValidationError):
        Settings(trusted_proxies="proxy.example")


@contextmanager
def _live_server(trusted: str) -> Iterator[str]:
    """``socle serve`` on a free port with SOCLE_TRUSTED_PROXIES=``trusted``; its base URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOCLE_LOG_LEVEL": "warning",
           "SOCLE_TRUSTED_PROXIES": trusted}
    server = subprocess.Popen([sys.executable, "-m", "controlplane.cli", "serve", "--port",
                               str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.stderr is not None and b"Traceback" not in server.stderr.read()


def _from(peer: str, base: str) -> httpx.Client:
    """A client whose connections come from ``peer``, through a TLS proxy for ``base``."""
    return httpx.Client(base_url=base, transport=httpx.HTTPTransport(local_address=peer),
                        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"})


def test_cookie_is_secure_only_through_a_trusted_proxy(database: Database) -> None:
    with _live_server(TRUSTED_PROXY) as base:
        with _from(TRUSTED_PROXY, base) as proxy:
            through_proxy = proxy.get("/console/login")
            form = {"token": "socle_not-a-token", "csrf_token": csrf_of(through_proxy.text)}
            origin = {"Origin": base.replace("http://", "https://")}
            # the browser (on https) sends the Secure cookie back, its Origin is https: the
            # form is accepted, then the token refused
            value = _cookie(through_proxy)[COOKIE_NAME].value
            sent = proxy.post("/console/login", data=form,
                              headers={**origin, "Cookie": f"{COOKIE_NAME}={value}"})
            assert sent.status_code == 401
        with _from(BROWSER, base) as stranger:
            direct = stranger.get("/console/login")
            form = {"token": "socle_not-a-token", "csrf_token": csrf_of(direct.text)}
            assert stranger.post("/console/login", data=form, headers=origin).status_code == 403
    assert through_proxy.status_code == 200 and direct.status_code == 200
    assert _cookie(through_proxy)[COOKIE_NAME]["secure"], "X-Forwarded-Proto from a trusted proxy"
    assert not _cookie(direct)[COOKIE_NAME]["secure"], "X-Forwarded-Proto from anyone else"
