"""Plan and apply routers' configuration over real SSH to simulated routers on loopback:
plan → apply → read back → idempotent re-plan; a refused line or a dropped session ends
with that router rolled back and its neighbours changed; an unreachable router fails
the plan, naming it."""

from __future__ import annotations

from sqlalchemy import select

from controlplane import jobs, reconcile
from controlplane.db import Database, Scope
from controlplane.models import Job, JobLog, ReconcilePlan
from network.config import plans
from network.config.models import ConfigBackup
from network.config.schemas import PlanCreate
from tests.network.region import Region, region_fixture, routers_fixture  # noqa: F401


def plan(database: Database, *devices: str) -> ReconcilePlan:
    with database.transaction(scope=Scope.unrestricted()) as db:
        return plans.make(db, PlanCreate(devices=list(devices) or None), actor="tests")


def apply(database: Database, plan_id: int) -> Job:
    with database.transaction(scope=Scope.unrestricted()) as db:
        job_id = plans.apply(db, plan_id, actor="tests").id
    assert jobs.Worker(database).run_once() == job_id
    with database.transaction(scope=Scope.unrestricted()) as db:
        job = db.get(Job, job_id)
        db.expunge(job)
        return job


def job_log(database: Database, job_id: int) -> str:
    with database.transaction(scope=Scope.unrestricted()) as db:
        return "\n".join(db.scalars(select(JobLog.message).where(JobLog.job_id == job_id)))


def test_plan_apply_read_back_and_replan_is_empty(region: Region) -> None:
    ios, junos = region.add_router("ce01"), region.add_router("ce02")
    before = {name: region.routers.running_config(name) for name in (ios, junos)}
    stored = plan(region.database)
    assert stored.state == "planned", stored.error
    changes = {c["key"]: c for c in stored.changes}
    assert set(changes) == {ios, junos}
    assert "+ neighbor 10.1.0.2 remote-as 65010" in changes[ios]["diff"].replace("+  ", "+ ")
    assert "interface GigabitEthernet0/1" in changes[ios]["data"]["phases"][0]["lines"]
    assert any(line.startswith("delete interfaces ge-0/0/1")
               for line in changes[junos]["data"]["phases"][0]["lines"])
    assert {n: region.routers.running_config(n) for n in before} == before  # planning: no change

    job = apply(region.database, stored.id)
    assert job.state == "succeeded", job.error
    ios_config = region.routers.running_config(ios)
    assert "  neighbor 10.1.0.2 remote-as 65010" in ios_config.splitlines()
    assert " service-policy output SOCLE-SHAPE-20M-REALTIME" in ios_config.splitlines()
    assert " shutdown" not in ios_config.split("interface GigabitEthernet0/1")[1].split("!")[0]
    junos_config = region.routers.running_config(junos).splitlines()
    assert "set routing-instances T-GFU route-distinguisher 65010:100" in junos_config
    assert "set interfaces ge-0/0/1 disable" not in junos_config
    assert "set interfaces ge-0/0/0 disable" in junos_config  # not Socle's: left alone

    again = plan(region.database)
    assert again.state == "planned" and again.changes == []
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        sources = sorted(db.scalars(select(ConfigBackup.source)
                                    .where(ConfigBackup.job_id == job.id)))
        assert sources == ["post-apply", "post-apply", "pre-apply", "pre-apply"]
        assert db.get(ReconcilePlan, stored.id).state == "applied"


def test_refused_line_rolls_back_that_router_only(region: Region) -> None:
    broken, fine = region.add_router("ce01"), region.add_router("ce03")
    base = region.routers.running_config(broken)
    refused = "neighbor 10.1.0.2 activate"
    region.routers.refuse_line(broken, refused)
    stored = plan(region.database)
    job = apply(region.database, stored.id)

    assert job.state == "failed"
    assert broken in job.error and refused in job.error and fine not in job.error.split(":")[1]
    assert region.routers.running_config(broken) == base
    assert "SOCLE-MGMT" in region.routers.running_config(fine)
    log = job_log(region.database, job.id)
    assert f"{broken}: rolled back" in log and refused in log
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        assert db.get(ReconcilePlan, stored.id).state == "partial"
    region.routers.clear_faults(broken)
    remaining = plan(region.database)
    assert [c["key"] for c in remaining.changes] == [broken]


def test_dropped_session_rolls_back(region: Region) -> None:
    ios, junos = region.add_router("ce01"), region.add_router("ce02")
    bases = {name: region.routers.running_config(name) for name in (ios, junos)}
    region.routers.drop_session_on(ios, "router bgp 65101")
    region.routers.drop_session_on(junos, "set routing-instances T-GFU instance-type vrf")
    job = apply(region.database, plan(region.database).id)

    assert job.state == "failed"
    assert "router bgp 65101" in job.error and "instance-type vrf" in job.error
    assert "session" in job.error
    region.routers.clear_faults(ios)
    region.routers.clear_faults(junos)
    for name, base in bases.items():
        assert region.routers.running_config(name) == base, name


def test_unreachable_router_fails_the_plan_naming_it(region: Region) -> None:
    region.add_router("ce01")
    region.add_router("ce03", port=1)  # nothing listens there
    stored = plan(region.database)
    assert stored.state == "failed"
    assert "ce03" in stored.error and "ce01" not in stored.error
    assert reconcile.get_reconciler("network.device-config").atomic is False



def test_loopback_and_ipv6_lan_reach_applied_routers_then_replan_is_empty(
    region: Region,
) -> None:
    ios, junos = region.add_router("ce01"), region.add_router("ce02")
    assert apply(region.database, plan(region.database).id).state == "succeeded"
    assert region.add_loopback_and_lan6(ios) == ("10.250.0.0/32", "2001:db8:100::/64")
    assert region.add_loopback_and_lan6(junos) == ("10.250.0.1/32", "2001:db8:100:1::/64")

    stored = plan(region.database)
    assert stored.state == "planned", stored.error
    changes = {c["key"]: c for c in stored.changes}
    assert changes[ios]["data"]["phases"][0]["lines"] == [  # only what the plan added
        "vrf definition T-GFU", " address-family ipv6", "exit",
        "ipv6 unicast-routing",
        "interface GigabitEthernet0/2", " ipv6 address 2001:DB8:100::1/64", "exit",
        "interface Loopback0", " description Loopback SITE-CE01", " vrf forwarding T-GFU",
        " ip address 10.250.0.0 255.255.255.255", "exit",
        "router bgp 65101", " address-family ipv4 vrf T-GFU",
        "  network 10.250.0.0 mask 255.255.255.255",
    ]
    assert "+interface Loopback0" in changes[ios]["diff"]
    assert "+ ipv6 address 2001:DB8:100::1/64" in changes[ios]["diff"]
    assert changes[junos]["data"]["phases"][0]["lines"] == [
        "set interfaces ge-0/0/2 unit 0 family inet6 address 2001:db8:100:1::1/64",
        'set interfaces lo0 unit 1 description "Loopback SITE-CE02"',
        "set interfaces lo0 unit 1 family inet address 10.250.0.1/32",
        "set interfaces lo0 unit 1 family inet filter input SOCLE-MGMT",
        "set routing-instances T-GFU interface lo0.1",
    ]
    assert "+set routing-instances T-GFU interface lo0.1" in changes[junos]["diff"]

    job = apply(region.database, stored.id)
    assert job.state == "succeeded", job.error
    ios_config = region.routers.running_config(ios)
    assert "ipv6 unicast-routing" in ios_config.splitlines()
    assert " ipv6 address 2001:DB8:100::1/64" in ios_config.split(
        "interface GigabitEthernet0/2\n")[1].split("!")[0].splitlines()
    assert ("interface Loopback0\n description Loopback SITE-CE01\n vrf forwarding T-GFU\n"
            " ip address 10.250.0.0 255.255.255.255\n") in ios_config
    assert " address-family ipv6\n exit-address-family" in ios_config.split(
        "vrf definition T-GFU\n")[1].split("\n!")[0]
    assert "  network 10.250.0.0 mask 255.255.255.255" in ios_config.split(
        "address-family ipv4 vrf T-GFU\n")[1].splitlines()
    junos_config = region.routers.running_config(junos).splitlines()
    for line in changes[junos]["data"]["phases"][0]["lines"]:
        assert line in junos_config, line
    assert "set interfaces lo0 unit 0 family inet filter input SOCLE-MGMT" in junos_config

    again = plan(region.database)
    assert again.state == "planned" and again.changes == [], again.changes
