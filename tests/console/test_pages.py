"""The pages' own work: tenant forms, tokens shown once, jobs, audit and its verification."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from controlplane import jobs
from controlplane.db import Database, Scope
from controlplane.finess import make_finess
from controlplane.models import AuditRecord, Job
from tests.conftest import TenantFactory, TokenFactory
from tests.console.support import signed_in


def test_operator_creates_then_edits_a_tenant(client: TestClient, auth: TokenFactory,
                                              database: Database) -> None:
    console = signed_in(client, auth, "gcs-operator")
    finess = make_finess("2A", 4242)
    created = console.post_form("/console/tenants/new", "/console/tenants/new",
                                {"finess": finess, "name": "CH de Bastia", "kind": "ES"})
    assert created.status_code == 303 and created.headers["location"].startswith(
        f"/console/tenants/{finess}")
    page = client.get(created.headers["location"]).text
    assert "CH de Bastia" in page and "Les modifications sont enregistrées." in page
    assert "2A" in page and "tenant.create" in page

    edited = console.post_form(f"/console/tenants/{finess}/edit",
                               f"/console/tenants/{finess}/edit",
                               {"name": "CH de Bastia (Falconaja)", "kind": "ES"})
    assert edited.status_code == 303
    assert "Inactif" in client.get("/console/tenants?q=falconaja").text
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        record = db.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
    assert record is not None and record.action == "tenant.update"
    assert record.after is not None and record.after["active"] is False
    assert "test-gcs-operator (gcs-operator, token:" in record.actor


def test_tenant_form_explains_errors_in_french(client: TestClient, auth: TokenFactory,
                                                make_tenant: TenantFactory) -> None:
    existing = make_tenant()
    console = signed_in(client, auth, "gcs-operator")
    blank = console.post_form("/console/tenants/new", "/console/tenants/new",
                              {"finess": "", "name": "", "kind": "ES"})
    assert blank.status_code == 422
    assert 'aria-invalid="true"' in blank.text and "Ce champ est obligatoire." in blank.text
    mistyped = console.post_form("/console/tenants/new", "/console/tenants/new",
                                 {"finess": "750712185", "name": "X", "kind": "ES"})
    assert mistyped.status_code == 422 and "Valeur invalide" in mistyped.text
    assert 'value="750712185"' in mistyped.text, "what was typed is kept"
    duplicate = console.post_form("/console/tenants/new", "/console/tenants/new",
                                  {"finess": existing.finess, "name": "X", "kind": "ES"})
    assert duplicate.status_code == 422
    assert "Ce numéro FINESS est déjà enregistré." in duplicate.text


def test_tenant_filters(client: TestClient, auth: TokenFactory,
                        make_tenant: TenantFactory) -> None:
    make_tenant(department="38", name="Clinique des Alpes")
    make_tenant(department="69", name="Hôpital du Rhône")
    signed_in(client, auth, "rssi")
    page = client.get("/console/tenants?department=38").text
    assert "Clinique des Alpes" in page and "Hôpital du Rhône" not in page
    page = client.get("/console/tenants?q=rhône&kind=ES&active=oui").text
    assert "Hôpital du Rhône" in page and "Clinique des Alpes" not in page
    assert "Aucun établissement" in client.get("/console/tenants?active=non").text


def test_token_is_shown_once_then_listed_and_revoked(client: TestClient, auth: TokenFactory,
                                                     make_tenant: TenantFactory) -> None:
    tenant = make_tenant()
    console = signed_in(client, auth, "gcs-operator")
    issued = console.post_form("/console/tokens/new", "/console/tokens/new", {
        "name": "DSI de test", "role": "establishment", "tenant": tenant.finess,
        "expires_at": "2999-12-31"})
    assert issued.status_code == 201 and issued.headers["cache-control"] == "no-store"
    secret = issued.text.split('id="issued-token" class="secret" type="text" readonly value="')[1]
    secret = secret.split('"')[0]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert me["tenant"] == tenant.finess and me["role"] == "establishment"

    listing = client.get("/console/tokens").text
    assert "DSI de test" in listing and secret not in listing
    items = client.get("/api/v1/tokens", headers=auth("gcs-operator")).json()["items"]
    token_id = next(item["id"] for item in items if item["name"] == "DSI de test")
    revoked = console.post_form("/console/tokens", f"/console/tokens/{token_id}/revoke", {})
    assert revoked.status_code == 303
    assert f"Le jeton n° {token_id} est révoqué." in client.get(revoked.headers["location"]).text
    after = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert after.status_code == 401


def test_token_form_checks_role_and_tenant(client: TestClient, auth: TokenFactory) -> None:
    console = signed_in(client, auth, "gcs-operator")
    answer = console.post_form("/console/tokens/new", "/console/tokens/new",
                               {"name": "x", "role": "establishment", "tenant": ""})
    assert answer.status_code == 422 and "an establishment token needs" in answer.text
    answer = console.post_form("/console/tokens/new", "/console/tokens/new",
                               {"name": "x", "role": "", "tenant": ""})
    assert answer.status_code == 422 and "Choisissez une valeur dans la liste." in answer.text
    answer = console.post_form("/console/tokens/new", "/console/tokens/new",
                               {"name": "x", "role": "establishment", "tenant": "750712184"})
    assert "Aucun établissement avec ce numéro FINESS." in answer.text


def test_jobs_list_detail_and_cancel(client: TestClient, auth: TokenFactory,
                                     database: Database, tmp_path: Path) -> None:
    with database.transaction(scope=Scope.unrestricted()) as db:
        done = jobs.enqueue(db, kind="test.quick", actor="tests",
                            params={"marker": str(tmp_path / "m"), "release": ""}).id
        waiting = jobs.enqueue(db, kind="test.quick", actor="tests",
                               params={"marker": str(tmp_path / "m"), "release": ""}).id
    jobs.Worker(database).run_once()
    console = signed_in(client, auth, "gcs-operator")
    assert 'aria-valuenow="100"' in client.get("/console/jobs?state=succeeded").text
    detail = client.get(f"/console/jobs/{done}").text
    assert "Réussie" in detail and "[prepare] prepared" in detail
    assert "data-live-events" not in detail, "a finished job is not followed"
    live = client.get(f"/console/jobs/{waiting}").text
    assert f'data-live-events="/console/jobs/{waiting}/events"' in live
    cancelled = console.post_form(f"/console/jobs/{waiting}", f"/console/jobs/{waiting}/cancel", {})
    assert cancelled.status_code == 303
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        assert db.scalar(select(Job.state).where(Job.id == waiting)) == "cancelled"
    again = console.post_form(f"/console/jobs/{waiting}", f"/console/jobs/{waiting}/cancel", {})
    assert again.status_code == 409 and "already cancelled" in again.text


def test_audit_list_filters_and_verify(client: TestClient, auth: TokenFactory,
                                       make_tenant: TenantFactory) -> None:
    first, second = make_tenant(), make_tenant()
    signed_in(client, auth, "auditor")
    page = client.get(f"/console/audit?tenant={first.finess}").text
    assert first.finess in page and second.finess not in page
    fragment = client.get("/console/audit/verify", headers={"HX-Request": "true"})
    assert fragment.text.strip().startswith('<p class="status status-ok">')
    assert "2 enregistrements vérifiés" in fragment.text
    assert "<h1>Vérification" in client.get("/console/audit/verify").text
