"""The Ansible inventory of Socle-managed hosts: every target with how to reach it, its
prefix and its ports per service, grouped by the services it runs (``svc_<name>``) and by
its network site's access (``access_<THD|MPLS>``). The API serves it to
``inventory/socle_inventory.py`` and deployments run on (a part of) it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import network
from apps.catalogue import service as catalogue
from apps.deployments.models import Instance
from apps.targets.models import AppTarget


def host_vars(target: AppTarget) -> dict[str, Any]:
    """How Ansible reaches ``target`` and where services live there."""
    services = catalogue.current().services
    ports = {name: {**service.ports, **target.ports.get(name, {})}
             for name, service in services.items()}
    found: dict[str, Any] = {
        "ansible_host": target.address,
        "ansible_connection": target.connection,
        "ansible_python_interpreter": target.python,
        "socle_prefix": target.prefix,
        "socle_ports": ports,
    }
    if target.connection == "ssh":
        found["ansible_port"] = target.ssh_port
        if target.ssh_user:
            found["ansible_user"] = target.ssh_user
    if target.site:
        found["socle_site"] = target.site
    return found


def accesses(db: Session, targets: Iterable[AppTarget]) -> dict[str, str]:
    """Each target's network access (its site's) by target name; targets without a site,
    or whose site the session may not see, are left out."""
    targets = list(targets)
    by_site = network.site_accesses(db, [t.site for t in targets if t.site])
    return {t.name: by_site[t.site] for t in targets if t.site in by_site}


def inventory(targets: Iterable[AppTarget], instances: Iterable[Instance] = (),
              access: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A JSON inventory (the ``ansible-inventory --list`` shape) of ``targets``;
    ``access``: each target's network access by name (see :func:`accesses`)."""
    targets = list(targets)
    groups: dict[str, set[str]] = {}
    for instance in instances:
        groups.setdefault(f"svc_{instance.service}", set()).add(instance.target.name)
    for name, kind in (access or {}).items():
        groups.setdefault(f"access_{kind}", set()).add(name)
    listing: dict[str, Any] = {
        "_meta": {"hostvars": {t.name: host_vars(t) for t in targets}},
        "all": {"hosts": sorted(t.name for t in targets), "children": sorted(groups)},
    }
    for name, hosts in sorted(groups.items()):
        listing[name] = {"hosts": sorted(hosts)}
    return listing


def runner_inventory(targets: Iterable[AppTarget]) -> dict[str, Any]:
    """The same hosts in the YAML/JSON inventory-file shape ansible-runner takes."""
    return {"all": {"hosts": {t.name: host_vars(t) for t in targets}}}


def full(db: Session) -> dict[str, Any]:
    """The inventory of every target."""
    targets = db.scalars(select(AppTarget).order_by(AppTarget.name)).all()
    instances = db.scalars(select(Instance).order_by(Instance.id)).all()
    return inventory(targets, instances, accesses(db, targets))
