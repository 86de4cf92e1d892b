"""``socle network plan|apply|backup|drift`` against simulated routers."""

from __future__ import annotations

from tests.network.region import Region, region_fixture, routers_fixture  # noqa: F401
from tests.network.test_network_cli import socle


def test_plan_apply_backup_drift_from_the_cli(region: Region) -> None:
    region.add_router("ce02")
    planned = socle("plan", "--json")
    assert planned["state"] == "planned"
    assert [c["device"] for c in planned["changes"]] == ["ce02"]
    job = socle("apply", str(planned["plan_id"]), "--here", "--json")
    assert job["state"] == "succeeded" and job["kind"] == "reconcile.apply"
    assert "no change" in socle("plan").output
    assert socle("drift", "--json") == []  # the apply kept what it read back
    assert socle("drift", "--all", "--json")[0]["status"] == "compliant"
    assert socle("backup", "--here", "--json")["state"] == "succeeded"
    region.routers.apply_out_of_band("ce02", ["set interfaces ge-0/0/1 unit 0 description x"])
    socle("backup", "--here")
    shown = socle("drift").output
    assert "ce02" in shown and "drifted" in shown
    assert "make a new plan" in socle("apply", str(planned["plan_id"]), code=4).output
