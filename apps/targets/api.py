"""``/api/v1/apps/targets`` and ``/inventory``: the hosts (reads ``apps:read``,
writes ``apps:write``) and their Ansible inventory.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response, status

from apps.errors import store
from apps.targets import service as targets
from apps.targets.inventory import full as full_inventory
from apps.targets.models import AppTarget
from apps.targets.schemas import TargetCreate, TargetRead, TargetUpdate
from controlplane.api.deps import DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.auth import Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import Page, RowId

router = APIRouter()

Reader = Annotated[Principal, require("apps:read")]
Writer = Annotated[Principal, require("apps:write")]
CREATED = status.HTTP_201_CREATED
GONE = {"status_code": status.HTTP_204_NO_CONTENT, "response_class": Response}



# --- targets and enrolments ----------------------------------------------------------


@router.post("/targets", status_code=CREATED, response_model=TargetRead)
def create_target(body: TargetCreate, db: DbSession, caller: Writer) -> TargetRead:
    """Register a host to deploy to, by address or as a hosting-plane VM (409 if its name
    or VM is taken; 422 for an unknown network site or VM)."""
    return targets.reads(db, [targets.create_target(db, body, actor=caller.actor)])[0]


@router.get("/targets", response_model=Page[TargetRead], responses=EXPORT_RESPONSES)
def list_targets(
    db: DbSession, paging: PageParams, caller: Reader, format: ExportQuery = ExportFormat.JSON,
) -> Page[TargetRead] | Response:
    """Targets, by name, each with its network site's access."""
    return page_or_export(db, targets.target_query(), paging, TargetRead, format,
                          title="Cibles de déploiement", show=targets.reads)


@router.get("/targets/{target_id}", response_model=TargetRead)
def get_target(target_id: RowId, db: DbSession, caller: Reader) -> TargetRead:
    """One target."""
    return targets.reads(db, [store.get(db, AppTarget, target_id)])[0]


@router.patch("/targets/{target_id}", response_model=TargetRead)
def update_target(target_id: RowId, body: TargetUpdate, db: DbSession,
                  caller: Writer) -> TargetRead:
    """Change how a target is reached, its ports or its network site (409 while a
    deployment to it runs, when a service there needs another access, or when services
    are installed under the prefix it would leave)."""
    target = store.get(db, AppTarget, target_id)
    return targets.reads(db, [targets.update_target(db, target, body, actor=caller.actor)])[0]


@router.delete("/targets/{target_id}", **GONE)
def delete_target(target_id: RowId, db: DbSession, caller: Writer) -> None:
    """Remove a target (409 while instances run on it or a deployment to it runs)."""
    targets.delete_target(db, store.get(db, AppTarget, target_id), actor=caller.actor)


@router.get("/inventory")
def get_inventory(db: DbSession, caller: Reader) -> dict[str, Any]:
    """The Ansible inventory of the targets (``ansible-inventory --list`` shape), for
    ``inventory/socle_inventory.py``."""
    return full_inventory(db)
