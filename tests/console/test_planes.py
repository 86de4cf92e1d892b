"""A plane adds its pages in one place: ``<plane>/console/`` (router, NAV, templates)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from controlplane import plugins
from controlplane.api.app import create_app
from controlplane.console import rendering
from controlplane.db import Database
from controlplane.settings import Settings
from tests.conftest import TokenFactory
from tests.console.support import nav_links, signed_in


@pytest.fixture
def plane_client(settings: Settings, database: Database,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(plugins, "PLANES", ("tests.console.fakeplane",))
    rendering.templates.cache_clear()
    with TestClient(create_app(settings, database)) as client:
        yield client
    rendering.templates.cache_clear()


def test_a_planes_pages_plug_into_the_console(plane_client: TestClient,
                                              auth: TokenFactory) -> None:
    signed_in(plane_client, auth, "network-engineer")
    links = nav_links(plane_client.get("/console/").text)
    assert links == ["/console/", "/console/tenants", "/console/jobs", "/console/fakeplane"]
    page = plane_client.get("/console/fakeplane")
    assert page.status_code == 200 and "<h1>Bonjour du plan factice</h1>" in page.text
    assert 'aria-current="page">Plan factice' in page.text
    assert "/console/fakeplane" not in plane_client.get("/openapi.json").json()["paths"]


def test_a_planes_pages_keep_the_role_rules(plane_client: TestClient,
                                            auth: TokenFactory) -> None:
    signed_in(plane_client, auth, "auditor")
    assert "/console/fakeplane" not in nav_links(plane_client.get("/console/").text)
    assert plane_client.get("/console/fakeplane").status_code == 403
