"""Authorization-matrix examples of the apps plane's routes."""

from __future__ import annotations

from controlplane.models import Tenant
from tests.apps.factories import AppsFactory
from tests.support.authz import Case, Request, World

APPS = "/api/v1/apps"


def _factory(world: World) -> AppsFactory:
    """One factory per world (kept on it, as World's own factories are)."""
    return world.__dict__.setdefault("apps", AppsFactory(world.database))


def _deploy(w: World, t: Tenant) -> Request:
    apps = _factory(w)
    apps.settle()
    return f"{APPS}/deployments", {"releases": [{"service": "identity", "version": "1.0.0"}],
                                   "targets": [apps.target().name]}


def _rollback(w: World, t: Tenant) -> Request:
    apps = _factory(w)
    apps.settle()
    return f"{APPS}/deployments/{apps.deployment().id}/rollback", None


CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{APPS}/services"): Case(lambda w, t: (f"{APPS}/services", None)),
    ("GET", f"{APPS}/services/{{name}}"): Case(lambda w, t: (f"{APPS}/services/identity", None)),
    ("GET", f"{APPS}/releases"): Case(lambda w, t: (f"{APPS}/releases", None)),
    ("GET", f"{APPS}/targets"): Case(lambda w, t: (f"{APPS}/targets", None)),
    ("POST", f"{APPS}/targets"): Case(
        lambda w, t: (f"{APPS}/targets", _factory(w).target_body()), success=201),
    ("GET", f"{APPS}/targets/{{target_id}}"): Case(
        lambda w, t: (f"{APPS}/targets/{_factory(w).target().id}", None)),
    ("PATCH", f"{APPS}/targets/{{target_id}}"): Case(
        lambda w, t: (f"{APPS}/targets/{_factory(w).target().id}", {"ssh_port": 2222})),
    ("DELETE", f"{APPS}/targets/{{target_id}}"): Case(
        lambda w, t: (f"{APPS}/targets/{_factory(w).target().id}", None), success=204),
    ("PATCH", f"{APPS}/enrolments/{{enrolment_id}}"): Case(
        lambda w, t: (f"{APPS}/enrolments/{_factory(w).enrolment(t).id}", {"settings": {}}),
        tenant_bound=True),
    ("DELETE", f"{APPS}/enrolments/{{enrolment_id}}"): Case(
        lambda w, t: (f"{APPS}/enrolments/{_factory(w).enrolment(t).id}", None), success=204,
        tenant_bound=True),
    ("GET", f"{APPS}/enrolments"): Case(lambda w, t: (f"{APPS}/enrolments", None)),
    ("POST", f"{APPS}/enrolments"): Case(
        lambda w, t: (f"{APPS}/enrolments", {"tenant": t.finess, "service": "registry"}),
        success=201),
    ("GET", f"{APPS}/enrolments/{{enrolment_id}}"): Case(
        lambda w, t: (f"{APPS}/enrolments/{_factory(w).enrolment(t).id}", None),
        tenant_bound=True),
    ("GET", f"{APPS}/deployments"): Case(lambda w, t: (f"{APPS}/deployments", None)),
    ("POST", f"{APPS}/deployments"): Case(_deploy, success=202),
    ("GET", f"{APPS}/deployments/{{deployment_id}}"): Case(
        lambda w, t: (f"{APPS}/deployments/{_factory(w).deployment().id}", None)),
    ("POST", f"{APPS}/deployments/{{deployment_id}}/rollback"): Case(_rollback, success=202),
    ("GET", f"{APPS}/instances"): Case(lambda w, t: (f"{APPS}/instances", None)),
    ("GET", f"{APPS}/instances/{{instance_id}}"): Case(
        lambda w, t: (f"{APPS}/instances/{_factory(w).instance().id}", None)),
    ("POST", f"{APPS}/instances/observe"): Case(
        lambda w, t: (f"{APPS}/instances/observe", None), success=202),
    ("POST", f"{APPS}/instances/resync"): Case(
        lambda w, t: (f"{APPS}/instances/resync", None), success=202),
    ("GET", f"{APPS}/inventory"): Case(lambda w, t: (f"{APPS}/inventory", None)),
}
