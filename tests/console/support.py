"""Helpers for console tests over HTTP: signing in through the form, posting with CSRF."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from httpx import Response

from controlplane.models import Tenant
from tests.conftest import TokenFactory

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NAV = re.compile(r'<nav class="site-nav".*?</nav>', re.S)
_LINK = re.compile(r'<a href="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def nav_links(html: str) -> list[str]:
    """The paths of the main navigation."""
    found = _NAV.search(html)
    return _LINK.findall(found.group(0)) if found else []


def secret_of(headers: dict[str, str]) -> str:
    """The token in ``auth(...)`` headers."""
    return headers["Authorization"].removeprefix("Bearer ")


@dataclass
class ConsoleClient:
    """A TestClient used as a person's browser: cookies kept, forms posted with their token."""

    client: TestClient

    def sign_in(self, token: str, *, next_path: str = "/console/") -> Response:
        """Fill and post the sign-in form; returns the (unfollowed) answer."""
        form = self.client.get("/console/login")
        return self.client.post(
            "/console/login",
            data={"token": token, "next": next_path, "csrf_token": csrf_of(form.text)},
            follow_redirects=False,
        )

    def post_form(self, page: str, action: str, data: dict[str, str]) -> Response:
        """Open ``page``, then post ``data`` to ``action`` with the page's CSRF token."""
        token = csrf_of(self.client.get(page).text)
        return self.client.post(action, data={**data, "csrf_token": token},
                                follow_redirects=False)


def signed_in(
    client: TestClient, auth: TokenFactory, role: str, tenant: Tenant | None = None
) -> ConsoleClient:
    """A console client signed in with a fresh token of ``role``."""
    console = ConsoleClient(client)
    answer = console.sign_in(secret_of(auth(role, tenant)))
    assert answer.status_code == 303, answer.text
    return console
