"""MPLS→THD migration of a site over SSH to a simulated router: the plan shows two
ordered phases (THD added and verified up, then MPLS removed); a failure in the second
phase leaves the router as before the migration, MPLS access intact."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from controlplane import jobs
from controlplane.db import Scope
from controlplane.errors import SocleError
from network.config import migrations, plans
from network.config.models import Migration
from network.config.schemas import MigrationCreate, PlanCreate, PlanKind
from network.inventory.models import Circuit, Site
from tests.network.region import Region, region_fixture, routers_fixture  # noqa: F401
from tests.network.test_config_apply import apply, plan


def _migrate(region: Region, router: str) -> tuple[str, str, int]:
    """Configure ``router`` on MPLS, add a planned THD circuit, request the migration."""
    region.add_router(router)
    applied = apply(region.database, plan(region.database).id)
    assert applied.state == "succeeded", applied.error
    thd_interface = "GigabitEthernet0/3" if router != "ce02" else "ge-0/0/3"
    mpls = f"CIR-{router.upper()}-2"
    thd = region.add_circuit(router, access="THD", interface=thd_interface, status="planned")
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        migration = migrations.request(
            db, MigrationCreate(site=region.sites[router], circuit=thd), actor="tests"
        )
        stored = plans.make(db, PlanCreate(kind=PlanKind.MIGRATION), actor="tests")
        assert stored.state == "planned", stored.error
        return mpls, thd, stored.id, migration.id  # type: ignore[return-value]


def test_plan_shows_make_then_break_and_apply_migrates(region: Region) -> None:
    mpls, thd, plan_id, migration_id = _migrate(region, "ce01")
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        shown = plans.read(plans.get(db, plan_id))
    (change,) = shown.changes
    assert [p.name.split()[0] for p in change.phases] == ["make", "break"]
    make, final = change.phases
    assert "interface GigabitEthernet0/3" in make.lines
    assert "  neighbor 10.1.0.6 remote-as 65010" in make.lines
    assert not any("10.1.0.2" in line for line in make.lines)  # MPLS untouched in phase 1
    assert "  no neighbor 10.1.0.2 remote-as 65010" in final.lines
    assert not any("10.1.0.6" in line for line in final.lines)
    assert change.diff.index("# phase 1") < change.diff.index("# phase 2")

    job = apply(region.database, plan_id)
    assert job.state == "succeeded", job.error
    running = region.routers.running_config("ce01").splitlines()
    assert "  neighbor 10.1.0.6 remote-as 65010" in running
    assert "  neighbor 10.1.0.2 remote-as 65010" not in running
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        status = dict(db.execute(select(Circuit.ref, Circuit.status)).all())
        assert status == {mpls: "decommissioned", thd: "active"}
        assert db.scalar(select(Site.access)) == "THD"
        assert db.get(Migration, migration_id).state == "completed"
    assert plan(region.database).changes == []  # the inventory now says what the router has


def test_failure_in_break_phase_restores_the_mpls_access(region: Region) -> None:
    mpls, _thd, plan_id, migration_id = _migrate(region, "ce02")
    before = region.routers.running_config("ce02")
    region.routers.refuse_line("ce02", "delete routing-instances T-GFU protocols bgp group "
                                       "SOCLE-PE neighbor 10.1.0.2")
    job = apply(region.database, plan_id)
    assert job.state == "failed"
    assert "ce02" in job.error and "neighbor 10.1.0.2" in job.error
    after = region.routers.running_config("ce02")
    assert set(after.splitlines()) == set(before.splitlines())  # Junos keeps no set order
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        assert db.get(Migration, migration_id).state == "requested"
        assert db.scalar(select(Circuit.status).where(Circuit.ref == mpls)) == "active"


def test_migration_refused_when_make_before_break_is_impossible(region: Region) -> None:
    region.add_router("ce01")
    region.add_router("ce03")
    other_ce = region.add_circuit("ce03", access="THD", interface="GigabitEthernet0/3",
                                  status="planned")
    with (region.database.transaction(scope=Scope.unrestricted()) as db,
          pytest.raises(SocleError) as wrong_site):
        migrations.request(db, MigrationCreate(site=region.sites["ce01"], circuit=other_ce),
                           actor="tests")
    assert wrong_site.value.errors[0].field == "circuit"
    with (region.database.transaction(scope=Scope.unrestricted()) as db,
          pytest.raises(SocleError) as not_thd):
        migrations.request(db, MigrationCreate(site=region.sites["ce01"], circuit="CIR-CE01-2"),
                           actor="tests")
    assert "not a THD circuit" in not_thd.value.errors[0].message
    assert jobs.registered_kinds()  # nothing queued: no plan, no job
