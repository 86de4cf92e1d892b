"""Deployment bench: the seven regional services to three targets, through Socle and with
the same playbooks run directly by ``ansible-playbook``, in the same run.

``python bench/deploy.py`` (a few minutes on 2 cores: 14 Ansible runs; it starts real
slapd and Postfix instances and small HTTP services on loopback, and stops them after).

Socle: a fresh SQLite database, three local-connection targets (their own prefix and
free loopback ports, at a THD network site so telemedicine may run there), one establishment
enrolled in directory and messaging, then one deployment of all seven services
(batches of three: one Ansible run per service, dependencies first), run by a job
worker in this process: checks, job steps, runner events, health checks, records
(``socle_s``, wall clock of the job).

Anchor: the same seven playbooks, same order, inventory and variables, run by
``ansible-playbook`` on three other prefixes, with no health check (``direct_s``).
Last line: ``bench deploy: socle_s=... direct_s=... ratio=socle_s/direct_s``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from hashlib import sha1
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SERVICES = ["directory", "identity", "registry", "messaging", "coordination", "telemedicine",
            "lab"]
PASSWORD_ENV = "SOCLE_SECRET_APPS_BENCH_LDAP_PASSWORD"


SITE = "BENCH-DC"  # the THD network site the targets stand at


def _targets(root: Path, mode: str) -> list[dict[str, Any]]:
    from apps.catalogue import service as catalogue
    from tests.support.apphosts import local_target

    catalog = catalogue.current()
    return [local_target(f"{mode}{n}", root, catalog, site=SITE) for n in (1, 2, 3)]


def _socle(root: Path) -> float:
    """Deploy through Socle; seconds from the request to the job's end."""
    os.environ.update({"SOCLE_DATABASE_URL": f"sqlite:///{root}/socle.db",
                       "SOCLE_DATA_DIR": str(root / "data"), "SOCLE_EMBEDDED_WORKER": "false"})
    import network
    from apps.deployments import service as deployments
    from apps.deployments.models import Deployment
    from apps.deployments.schemas import DeploymentCreate
    from apps.enrolments import service as enrolments
    from apps.enrolments.schemas import EnrolmentCreate
    from apps.targets import service as targets
    from apps.targets.schemas import TargetCreate
    from controlplane import tenants
    from controlplane.db import Scope, get_database
    from controlplane.db.migrate import upgrade
    from controlplane.finess import make_finess
    from controlplane.jobs import Worker
    from controlplane.schemas import TenantCreate, TenantKind

    upgrade(os.environ["SOCLE_DATABASE_URL"])
    database = get_database(os.environ["SOCLE_DATABASE_URL"])
    with database.transaction(scope=Scope.unrestricted()) as db:
        finess = make_finess("69", 123)
        tenants.create(db, TenantCreate(finess=finess, name="CH bench", kind=TenantKind.ES),
                       actor="bench")
        network.create_site(db, network.SiteCreate(
            tenant=finess, code=SITE, name="Datacentre", address="1 rue du Banc", access="THD"),
            actor="bench")
        for body in _targets(root, "socle"):
            targets.create_target(db, TargetCreate(**body), actor="bench")
        enrolments.enrol(db, EnrolmentCreate(tenant=finess, service="directory",
                                          settings={"branch": "ou=CH bench"}), actor="bench")
        enrolments.enrol(db, EnrolmentCreate(tenant=finess, service="messaging",
                                          settings={"domain": "ch-bench.mssante.fr"}),
                      actor="bench")
    started = time.perf_counter()
    with database.transaction(scope=Scope.unrestricted()) as db:
        deployment = deployments.create(db, DeploymentCreate(
            releases=[{"service": s, "version": _latest(s)} for s in SERVICES],
            targets=["socle1", "socle2", "socle3"], batch_size=3,
            secrets={"directory": {"admin_password": f"env:{PASSWORD_ENV}"}},
        ), actor="bench")
        deployment_id = deployment.id
    Worker(database).run_once()
    elapsed = time.perf_counter() - started
    with database.session(scope=Scope.unrestricted()) as db:
        state = db.get_one(Deployment, deployment_id).state
        reason = db.get_one(Deployment, deployment_id).reason
    if state != "succeeded":
        raise SystemExit(f"the Socle deployment ended {state}: {reason}")
    return elapsed


def _latest(service: str) -> str:
    from apps.catalogue import service as catalogue

    return catalogue.current().services[service].versions[-1].version


def _direct(root: Path) -> float:
    """The same playbooks by ansible-playbook, no control plane; seconds."""
    from apps.catalogue import service as catalogue
    from apps.deployments.config import digest
    from apps.drivers.ansible import PLAYBOOKS

    catalog = catalogue.current()
    hosts = {t["name"]: {"ansible_connection": "local", "ansible_host": "127.0.0.1",
                         "ansible_python_interpreter": "/usr/bin/python3",
                         "socle_prefix": t["prefix"],
                         "socle_ports": {s: {**catalog.services[s].ports, **t["ports"].get(s, {})}
                                         for s in catalog.services}}
             for t in _targets(root, "direct")}
    inventory = root / "inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
    secrets = root / "secrets.json"
    secrets.write_text(json.dumps({"socle_secrets": {"admin_password": "bench-password"}}))
    secrets.chmod(0o600)
    tenants = {"directory": {"690000123": {"branch": "ou=CH bench"}},
               "messaging": {"690000123": {"domain": "ch-bench.mssante.fr"}}}
    env = {**os.environ, "ANSIBLE_CONFIG": str(PLAYBOOKS / "ansible.cfg"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    started = time.perf_counter()
    for name in SERVICES:
        service = catalog.services[name]
        release = service.versions[-1]
        assert release.path is not None
        config = {**service.config_defaults, "tenants": tenants.get(name, {})}
        extravars = {
            "socle_version": release.version, "socle_runtime": service.runtime.replace("-", "_"),
            "socle_main_port": next(iter(service.ports)), "socle_artifact": str(release.path),
            "socle_artifact_sha256": release.sha256,
            "socle_artifact_sha1": sha1(release.path.read_bytes()).hexdigest(),
            "socle_config": config, "socle_config_sha256": digest(config),
        }
        subprocess.run(["ansible-playbook", "-i", str(inventory), "-e", json.dumps(extravars),
                        "-e", f"@{secrets}", f"{name}.yml"], cwd=PLAYBOOKS, env=env,
                       check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    """Run both, print the figures; the last line is the bench's summary."""
    from tests.support.apphosts import stop_services

    os.environ[PASSWORD_ENV] = "bench-password"
    with tempfile.TemporaryDirectory(prefix="socle-bench-deploy-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # Postfix's own user walks to its queue
        try:
            direct_s = _direct(root)
            print(f"direct ansible-playbook: 7 services x 3 targets in {direct_s:.1f} s")
            socle_s = _socle(root)
            print(f"through Socle (checks, job, runner events, health gates): {socle_s:.1f} s")
        finally:
            for prefix in root.iterdir():
                stop_services(prefix)
    print(f"bench deploy: services=7 targets=3 socle_s={socle_s:.1f} direct_s={direct_s:.1f} "
          f"ratio={socle_s / direct_s:.2f}")


if __name__ == "__main__":
    main()
