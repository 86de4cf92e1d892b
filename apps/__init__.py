"""Apps plane: the regional services (identity, directory, ROR, MSS, coordination,
telemedicine, lab results) as managed workloads: the catalogue (data), targets and
per-tenant enrolments, deployments through Ansible (dependency order, rolling or canary
with health gating, automatic and explicit rollback), drift detection and re-sync, and
the Ansible inventory of the hosts.

Importing the plane registers its job kinds (``apps.deploy``, ``apps.observe``,
``apps.health``). Other
planes and the console call the apps plane only through what is listed here.
"""

from apps import flows as _flows  # noqa: F401  (registers the job kinds)
from apps import monitor as _monitor  # noqa: F401  (registers the health job)
from apps.catalogue import Catalog, CatalogError, Service
from apps.catalogue import current as catalog
from apps.deployments import create as deploy
from apps.deployments import deployment_query, instance_query, resync, rollback
from apps.flows import OBSERVE_JOB
from apps.inventory import full as ansible_inventory
from apps.targets import create_target, enrol, enrolment_query, target_query, workload_query

__all__ = [
    "OBSERVE_JOB",
    "Catalog",
    "CatalogError",
    "Service",
    "ansible_inventory",
    "catalog",
    "create_target",
    "deploy",
    "deployment_query",
    "enrol",
    "enrolment_query",
    "instance_query",
    "resync",
    "rollback",
    "target_query",
    "workload_query",
]
