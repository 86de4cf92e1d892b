"""``bgp-down``: a THD session that stays down stops the MPLS→THD migration. The gate waits
for the session (``SOCLE_NETWORK_SESSION_WAIT``), then the job fails naming the session,
the router is rolled back to its configuration from before, the MPLS access stays active,
the migration stays requested; once the fault is cleared, a new plan migrates the site."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from controlplane.db import Scope
from controlplane.faults import FaultBook
from controlplane.settings import Settings, get_settings
from network.config import plans
from network.config.models import Migration
from network.config.schemas import PlanCreate, PlanKind
from network.inventory.models import Circuit, Site
from network.sim.routers import SimulatedRouters
from tests.faults.conftest import sim_fault
from tests.network.region import Region, region_fixture  # noqa: F401
from tests.network.test_config_apply import apply
from tests.network.test_migration import _migrate

THD_PE = "10.1.0.6"  # the THD side of ce01's new interconnect (see tests.network.region)


@pytest.fixture(name="book", scope="module")
def book_fixture(tmp_path_factory: pytest.TempPathFactory) -> FaultBook:
    """The faults the routers read; each test points it at its own region's file."""
    return FaultBook(tmp_path_factory.mktemp("faults") / "faults.json")


@pytest.fixture(name="routers", scope="module")
def routers_fixture(book: FaultBook) -> Iterator[SimulatedRouters]:
    with SimulatedRouters(3, ["cisco_ios", "juniper_junos"], faults=book) as simulated:
        yield simulated


@pytest.fixture(autouse=True)
def _region_faults(book: FaultBook, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    book.path = FaultBook.of_region(Path(settings.data_dir)).path
    monkeypatch.setenv("SOCLE_NETWORK_SESSION_WAIT", "3")
    get_settings.cache_clear()


def test_a_thd_session_that_stays_down_stops_the_migration(region: Region) -> None:
    mpls, thd, plan_id, migration_id = _migrate(region, "ce01")
    before = region.routers.running_config("ce01")
    fault = sim_fault("inject", "bgp-down", "ce01", "--neighbour", THD_PE, "--json")
    assert (fault["kind"], fault["target"], fault["ends_at"]) == ("bgp-down", "ce01", None)
    assert [f["id"] for f in sim_fault("list", "--json")] == [fault["id"]]

    job = apply(region.database, plan_id)
    assert job.state == "failed"
    assert "ce01" in job.error and "not up after 3 s" in job.error and THD_PE in job.error
    after = region.routers.running_config("ce01")
    assert "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(),
                                           lineterm="")) == ""  # THD rolled back
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        assert db.get(Migration, migration_id).state == "requested"
        status = dict(db.execute(select(Circuit.ref, Circuit.status)).all())
        assert (status[mpls], status[thd]) == ("active", "planned")
        assert db.scalar(select(Site.access).where(Site.code == region.sites["ce01"])) == "MPLS"
        shown = plans.read(plans.get(db, plan_id))
    assert shown.state == "failed" and "not up" in (shown.error or "")

    assert "1 fault(s) cleared" in sim_fault("clear", fault["id"])
    assert sim_fault("list", "--json") == []
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        again = plans.make(db, PlanCreate(kind=PlanKind.MIGRATION), actor="tests").id
    migrated = apply(region.database, again)
    assert migrated.state == "succeeded", migrated.error
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        assert db.get(Migration, migration_id).state == "completed"


def test_a_fault_on_another_neighbour_leaves_the_migration_alone(region: Region) -> None:
    _mpls, _thd, plan_id, migration_id = _migrate(region, "ce01")
    sim_fault("inject", "bgp-down", "ce01", "--neighbour", "10.9.9.9", "--for", "10m")
    assert apply(region.database, plan_id).state == "succeeded"
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        assert db.get(Migration, migration_id).state == "completed"


def test_bad_fault_requests_are_refused_with_what_to_fix(region: Region) -> None:
    region.add_router("ce01")
    assert "no device 'nowhere'" in sim_fault("inject", "bgp-down", "nowhere", code=2)
    assert "not an IP address" in sim_fault("inject", "bgp-down", "ce01", "--neighbour", "x",
                                            code=2)
    assert "bgp-down takes no --s3" in sim_fault("inject", "bgp-down", "ce01", "--s3", code=2)
    assert "one of" in sim_fault("inject", "no-such-kind", "ce01", code=2)
    assert "write a whole number" in sim_fault("inject", "bgp-down", "ce01", "--for", "soon",
                                               code=2)
    assert "no fault" in sim_fault("clear", "deadbeef", code=3)
    assert sim_fault("list", "--json") == []
