"""Roles and tenants: navigation by role, 403 pages, and another tenant's data is 404."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controlplane import jobs
from controlplane.auth import Role, role_allows
from controlplane.console import planes
from controlplane.console.nav import CORE_NAV
from controlplane.db import Database, Scope
from controlplane.models import Tenant
from tests.conftest import TenantFactory, TokenFactory
from tests.console.support import nav_links, signed_in


def _job_for(database: Database, tenant: Tenant, tmp_path: Path) -> int:
    with database.transaction(scope=Scope.unrestricted()) as db:
        return jobs.enqueue(db, kind="test.quick", tenant_id=tenant.id, actor="tests",
                            params={"marker": str(tmp_path / "m"), "release": ""}).id


@pytest.mark.parametrize("role", list(Role))
def test_navigation_follows_the_role(client: TestClient, auth: TokenFactory,
                                     make_tenant: TenantFactory, role: Role) -> None:
    tenant = make_tenant() if role is Role.ESTABLISHMENT else None
    page = signed_in(client, auth, role.value, tenant).client.get("/console/")
    entries = sorted([*CORE_NAV, *planes.nav_entries()], key=lambda entry: entry.order)
    expected = [entry.path for entry in entries if role_allows(role, entry.permission)]
    assert nav_links(page.text) == expected
    for entry in entries:
        answer = client.get(entry.path)
        assert answer.status_code == (200 if entry.path in expected else 403), entry.path


def test_insufficient_role_gets_a_french_403_page(client: TestClient, auth: TokenFactory) -> None:
    console = signed_in(client, auth, "auditor")
    answer = client.get("/console/tenants/new")
    assert answer.status_code == 403
    assert "<h1>Accès refusé</h1>" in answer.text and 'lang="fr"' in answer.text
    assert "Nouvel établissement" not in client.get("/console/tenants").text
    posted = console.post_form("/console/", "/console/tenants/new",
                               {"finess": "750712184", "name": "x", "kind": "ES"})
    assert posted.status_code == 403


def test_establishment_sees_only_its_own_data(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, database: Database,
    tmp_path: Path,
) -> None:
    own, other = make_tenant(name="Mon hôpital"), make_tenant(name="Hôpital voisin")
    own_job, other_job = _job_for(database, own, tmp_path), _job_for(database, other, tmp_path)
    signed_in(client, auth, "establishment", own)

    listing = client.get("/console/tenants").text
    assert "Mon hôpital" in listing and "Hôpital voisin" not in listing
    assert client.get(f"/console/tenants/{own.finess}").status_code == 200
    assert client.get(f"/console/jobs/{own_job}").status_code == 200
    for url in (f"/console/tenants/{other.finess}", f"/console/jobs/{other_job}",
                f"/console/jobs/{other_job}/events", "/console/tenants/750712184",
                "/console/jobs/999999", "/console/jobs/not-a-number", "/console/nowhere"):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert "<h1>Page introuvable</h1>" in answer.text, url
        assert "Hôpital voisin" not in answer.text

    overview = client.get("/console/").text
    assert '<p class="figure">1</p>' in overview, "one tenant, one job: its own"
    assert f'href="/console/jobs/{own_job}"' in overview
    assert f'href="/console/jobs/{other_job}"' not in overview
    jobs_page = client.get("/console/jobs").text
    assert f'href="/console/jobs/{own_job}"' in jobs_page
    assert f'href="/console/jobs/{other_job}"' not in jobs_page


def test_console_stays_out_of_the_api_contract(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path == "/" or path.startswith(("/console", "/static"))]


def test_static_files_are_served_locally(client: TestClient) -> None:
    htmx = client.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200 and htmx.text.startswith("/*! htmx.org 2.")
    page = client.get("/console/login").text
    assert "/static/vendor/htmx.min.js?v=" in page and "/static/console.css?v=" in page
    assert "http://" not in page and "https://" not in page, "no CDN, no absolute URL"
    assert "default-src 'self'" in client.get("/console/login").headers["content-security-policy"]
