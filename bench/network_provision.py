"""Network provisioning: onboard 1,000 sites and plan them, then apply to 30 routers.

``python bench/network_provision.py`` (about two minutes on 2 cores; SQLite in a
temporary directory; ``--sites``/``--routers`` to change the size).

Simulated routers: ``python -m network.sim.routers`` in a subprocess (FakeNOS SSH servers
with a stateful IOS / Junos CLI), ``2 × routers`` of them, IOS and Junos in turn: the
first half for Socle, the second half for the anchor, so both start from the routers'
factory configuration.

Socle, timed in phases:

* **onboard**: 1,000 sites of 100 establishments, each with its CE router, an active
  MPLS circuit to the regional PE in its establishment's VRF, a site LAN /24 (IPv4) and
  /64 (IPv6) and an interconnect /30 allocated from pools, through the plane's service
  functions (validation, overlap checks, audit records), one transaction per site;
* **plan**: one plan of the 1,000 routers (intent rendered from the templates, running
  configurations read over SSH with the apply concurrency, diffs). There are only
  ``routers`` SSH servers, so the management address of site *i*'s CE is that of
  router *i mod routers*: every read is a real SSH session and a real diff;
* **apply**: a plan of the ``routers`` CEs whose address is their own, applied by the
  job worker (bounded concurrency, read back, verified, configurations backed up).

Anchor, same run: the naive push, plain ``netmiko.ConnectHandler`` +
``send_config_set`` (+ ``commit`` on Junos) of the very lines Socle pushed (secrets
revealed), one router after the other, to the other half of the routers. Socle's apply
must leave each router in sync (an empty re-plan) or the bench fails.

The last line is ``bench network_provision: ... ratio=X`` where X is Socle's apply wall
time over the anchor's for the same routers (below 1: Socle is faster). Wall times
depend on what else the machine runs; the CPU seconds Socle's process used for
onboarding and planning are printed too.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench._support import BenchError  # noqa: E402

SITES = 1_000
ROUTERS = 30
TENANTS = 100
PASSWORD_VARIABLE = "SOCLE_SECRET_NETWORK_BENCH_ROUTER_PASSWORD"
INTERFACES = {"cisco_ios": ("GigabitEthernet0/1", "GigabitEthernet0/2"),
              "juniper_junos": ("ge-0/0/1", "ge-0/0/2")}
DEPARTMENTS = ("01", "07", "26", "38", "42", "69", "73", "74")
ACTOR = "bench"


@contextmanager
def simulated_routers(count: int, workdir: Path, password: str) -> Iterator[list[dict[str, Any]]]:
    """``count`` simulated routers in a subprocess; their endpoints while the block runs."""
    state = workdir / "routers.json"
    log = (workdir / "routers.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "network.sim.routers", "--count", str(count),
         "--platforms", "cisco_ios,juniper_junos", "--state-file", str(state),
         "--password", password],
        cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not state.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"simulated routers did not start: see {workdir}/routers.log")
            time.sleep(0.2)
        yield json.loads(state.read_text())["devices"]
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def configure(workdir: Path, password: str) -> str:
    """Settings for this run (environment), the database migrated; its URL."""
    from controlplane.db.migrate import upgrade
    from controlplane.settings import get_settings

    url = f"sqlite:///{workdir / 'bench.db'}"
    os.environ.update({
        "SOCLE_DATABASE_URL": url, "SOCLE_DATA_DIR": str(workdir),
        PASSWORD_VARIABLE: password,
        "SOCLE_SECRET_NETWORK_SNMP_AUTH_KEY": secrets.token_urlsafe(12),
        "SOCLE_SECRET_NETWORK_SNMP_PRIV_KEY": secrets.token_urlsafe(12),
        "SOCLE_NETWORK_SSH_TIMEOUT": "20",
    })
    get_settings.cache_clear()
    upgrade(url)
    return url


def regional_objects(database: Any) -> dict[str, int]:
    """Tenants with their VRF, pools, the provider and the PE; the pool ids."""
    from controlplane.db import Scope
    from controlplane.finess import make_finess
    from controlplane.models import Tenant
    from network import create_device, create_pool, create_provider, create_vrf
    from network.inventory.schemas import DeviceCreate, ProviderCreate
    from network.ipam.schemas import PoolCreate, VrfCreate

    with database.transaction(scope=Scope.unrestricted()) as db:
        for index in range(TENANTS):
            department = DEPARTMENTS[index % len(DEPARTMENTS)]
            finess = make_finess(department, index + 1)
            db.add(Tenant(finess=finess, name=f"Établissement {index + 1}", kind="ES",
                          department=department))
            db.flush()
            create_vrf(db, VrfCreate(name=f"GFU-{finess}", kind="tenant", tenant=finess,
                                     service="gfu"), actor=ACTOR)
        pools = {
            role: create_pool(db, PoolCreate(name=role, prefix=prefix, role=pool_role),
                              actor=ACTOR).id
            for role, prefix, pool_role in (
                ("lan4", "10.64.0.0/12", "site-lan"), ("lan6", "2001:db8:100::/40", "site-lan"),
                ("ic", "10.1.0.0/16", "interconnect"), ("mgmt", "10.255.0.0/16", "management"))
        }
        create_provider(db, ProviderCreate(name="Opérateur MPLS", kind="MPLS",
                                           contract_ref="MPLS-2026"), actor=ACTOR)
        create_device(db, DeviceCreate(hostname="pe-regional-1", role="PE", platform="cisco_ios",
                                       mgmt_address="192.0.2.1", username="noc",
                                       credential_ref="env:SOCLE_SECRET_NETWORK_NOPE",
                                       asn=65010), actor=ACTOR)
    return pools


def onboard(database: Any, pools: dict[str, int], routers: Sequence[dict[str, Any]]) -> None:
    """``SITES`` sites, one transaction each: site, CE, circuit, LAN v4/v6, interconnect."""
    from sqlalchemy import select

    from controlplane.db import Scope
    from controlplane.models import Tenant
    from network import allocate, create_circuit, create_device, create_site
    from network.inventory.schemas import CircuitCreate, DeviceCreate, SiteCreate
    from network.ipam.schemas import PrefixAllocate

    with database.transaction(scope=Scope.unrestricted()) as db:
        tenants = list(db.scalars(select(Tenant.finess).order_by(Tenant.id)))
    for index in range(SITES):
        router = routers[index % len(routers)]
        finess = tenants[index % len(tenants)]
        code = f"S{index + 1:04d}"
        hostname = router["name"] if index < len(routers) else f"ce-{code.lower()}"
        interfaces = INTERFACES[router["platform"]]
        with database.transaction(scope=Scope.unrestricted()) as db:
            create_site(db, SiteCreate(tenant=finess, code=code, name=f"Site {code}",
                                       address="1 rue de la Santé", access="MPLS"), actor=ACTOR)
            create_device(db, DeviceCreate(
                hostname=hostname, role="CE", platform=router["platform"], site=code,
                mgmt_address=router["host"], mgmt_port=router["port"],
                username=router["username"], credential_ref=f"env:{PASSWORD_VARIABLE}",
                asn=4_200_000_000 + index, lan_interface=interfaces[1]), actor=ACTOR)
            create_circuit(db, CircuitCreate(
                ref=f"MPLS-{code}", provider="Opérateur MPLS", site=code, a_device=hostname,
                z_device="pe-regional-1", a_interface=interfaces[0], access="MPLS",
                bandwidth_mbps=100, committed_mbps=20, cos_profile="realtime",
                status="active", vrf=f"GFU-{finess}"), actor=ACTOR)
            allocate(db, pools["lan4"], PrefixAllocate(length=24, site=code), actor=ACTOR)
            allocate(db, pools["lan6"], PrefixAllocate(length=64, site=code), actor=ACTOR)
            allocate(db, pools["ic"], PrefixAllocate(length=30, circuit=f"MPLS-{code}"),
                     actor=ACTOR)


def make_plan(database: Any, devices: Sequence[str] | None) -> Any:
    """A stored configuration plan (of ``devices``, or every CE); fails the bench if failed."""
    from controlplane.db import Scope
    from network.config import plans
    from network.config.schemas import PlanCreate

    with database.transaction(scope=Scope.unrestricted()) as db:
        plan = plans.make(db, PlanCreate(devices=list(devices) if devices else None),
                          actor=ACTOR)
        db.flush()
        db.expunge(plan)
    if plan.state != "planned":
        raise BenchError(f"plan {plan.id} {plan.state}: {plan.error}")
    return plan


def apply(database: Any, plan_id: int) -> None:
    """Run the apply job of ``plan_id`` in this process's worker; fail if it failed."""
    from controlplane import jobs
    from controlplane.db import Scope
    from controlplane.models import Job
    from network.config import plans

    with database.transaction(scope=Scope.unrestricted()) as db:
        job_id = plans.apply(db, plan_id, actor=ACTOR).id
    jobs.Worker(database).run_once()
    with database.transaction(scope=Scope.unrestricted()) as db:
        job = db.get(Job, job_id)
        if job is None or job.state != "succeeded":
            raise BenchError(f"apply job {job_id}: {job and job.state}: {job and job.error}")


def naive_push(routers: Sequence[dict[str, Any]], lines: Sequence[Sequence[str]]) -> None:
    """The anchor: connect, send the lines, commit (Junos), disconnect; one at a time."""
    import netmiko

    for router, config in zip(routers, lines, strict=True):
        params = {key: router[key] for key in ("host", "port", "username", "password")}
        with netmiko.ConnectHandler(device_type=router["device_type"], **params) as conn:
            junos = router["platform"] == "juniper_junos"
            conn.send_config_set(list(config), exit_config_mode=not junos)
            if junos:
                conn.commit()
                conn.exit_config_mode()


def revealed(plan: Any) -> list[list[str]]:
    """The lines each change of ``plan`` pushes, with the configuration secrets in."""
    from controlplane.settings import get_settings
    from network.config.router_ops import RouterOps

    values = RouterOps(None, get_settings()).secrets(strict=True)  # type: ignore[arg-type]
    return [[values.reveal(line) for phase in change["data"]["phases"] for line in phase["lines"]]
            for change in sorted(plan.changes, key=lambda c: c["key"])]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bench; the last line is the summary."""
    global SITES, ROUTERS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=SITES)
    parser.add_argument("--routers", type=int, default=ROUTERS)
    args = parser.parse_args(argv)
    SITES, ROUTERS = args.sites, args.routers
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    password = secrets.token_urlsafe(12)
    with tempfile.TemporaryDirectory(prefix="bench-network-") as tmp:
        workdir = Path(tmp)
        with simulated_routers(2 * ROUTERS, workdir, password) as devices:
            url = configure(workdir, password)
            from controlplane.db import Database
            from controlplane.settings import get_settings

            database = Database(url)
            ours, theirs = devices[:ROUTERS], devices[ROUTERS:]
            pools = regional_objects(database)
            started, cpu = time.perf_counter(), time.process_time()
            onboard(database, pools, ours)
            onboard_s, onboard_cpu = time.perf_counter() - started, time.process_time() - cpu
            started, cpu = time.perf_counter(), time.process_time()
            full = make_plan(database, None)
            plan_s, plan_cpu = time.perf_counter() - started, time.process_time() - cpu
            if len(full.changes) != SITES:
                raise BenchError(f"plan of {SITES} sites has {len(full.changes)} changes")
            names = [router["name"] for router in ours]
            subset = make_plan(database, names)
            started = time.perf_counter()
            apply(database, subset.id)
            apply_s = time.perf_counter() - started
            again = make_plan(database, names)
            if again.changes:
                raise BenchError(f"re-plan after apply not empty: {again.changes[0]['key']}")
            pushed = revealed(subset)
            started = time.perf_counter()
            naive_push(theirs, pushed)
            anchor_s = time.perf_counter() - started
            database.dispose()
    concurrency = get_settings().network_apply_concurrency
    lines = sum(len(config) for config in pushed)
    plan_rate = SITES / (onboard_s + plan_s)
    print(f"onboard: {SITES} sites (site, CE, circuit, LAN /24 + /64, interconnect /30) in "
          f"{onboard_s:.1f} s ({SITES / onboard_s:.0f} sites/s; {onboard_cpu:.1f} CPU s)")
    print(f"plan: {SITES} routers rendered, read over SSH and diffed in {plan_s:.1f} s "
          f"({SITES / plan_s:.0f} routers/s, concurrency {concurrency}; {plan_cpu:.1f} CPU s "
          "in Socle, the rest in the simulated routers)")
    print(f"apply: {ROUTERS} routers, {lines} lines, pushed, read back, verified and backed "
          f"up in {apply_s:.1f} s ({60 * ROUTERS / apply_s:.0f} devices/min); re-plan empty")
    print(f"anchor (sequential netmiko send_config_set): {ROUTERS} routers in {anchor_s:.1f} s "
          f"({60 * ROUTERS / anchor_s:.0f} devices/min)")
    print(f"bench network_provision: sites={SITES} plan_sites_per_s={plan_rate:.1f} "
          f"devices={ROUTERS} apply_devices_per_min={60 * ROUTERS / apply_s:.0f} "
          f"anchor_devices_per_min={60 * ROUTERS / anchor_s:.0f} ratio={apply_s / anchor_s:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
