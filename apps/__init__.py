"""Apps plane: the regional services (identity, directory, ROR, MSS, coordination,
telemedicine, lab results) as managed workloads: the catalogue (data), targets and
per-tenant enrolments, deployments through Ansible (dependency order, rolling or canary
with health gating, automatic and explicit rollback), drift detection and re-sync, and
the Ansible inventory of the hosts.

Importing the plane registers its job kinds (``apps.deploy``, ``apps.observe``,
``apps.health``). Other
planes and the console call the apps plane only through what is listed here.
"""

from apps import models as _models  # noqa: F401  (registers every feature's tables)
from apps.catalogue.service import Catalog, CatalogError, Service
from apps.catalogue.service import current as catalog
from apps.deployments import flows as _flows  # noqa: F401  (registers the job kinds)
from apps.deployments import monitor as _monitor  # noqa: F401  (registers the health job)
from apps.deployments.flows import OBSERVE_JOB
from apps.deployments.service import create as deploy
from apps.deployments.service import deployment_query, instance_query, resync, rollback
from apps.enrolments.service import enrol, enrolment_query, workload_query
from apps.targets.inventory import full as ansible_inventory
from apps.targets.service import create_target, target_query

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
