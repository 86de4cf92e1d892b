"""The regional view for the RSSI: establishments × tracked items, a status per cell.

Rows are the establishments the caller sees (an establishment's token sees its own row
only), active, by department then FINESS, optionally of one department; columns are the
items of the tracked frameworks (or one of them), optionally of one kind (usage or
organisation). Each row also says whether the establishment is eligible to each
programme. Cells come from :func:`ssi.tracker.service.track_many` (the tracker of every row,
read with the same queries however many rows), so they match the tracker.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from controlplane.exports import Table
from controlplane.models import Tenant
from ssi.tracker import service as tracker
from ssi.tracker.indicators import Status, label
from ssi.tracker.schemas import TrackerRead


class HeatmapColumn(BaseModel):
    """One tracked item."""

    framework: str
    id: str
    title: str
    kind: str


class HeatmapRow(BaseModel):
    """One establishment: its status on each column, and its eligibility per programme."""

    finess: str
    name: str
    department: str
    eligible: dict[str, bool]
    cells: list[Status]


class HeatmapRead(BaseModel):
    """A page of the heatmap (``items`` are establishments)."""

    at: datetime
    columns: list[HeatmapColumn]
    items: list[HeatmapRow]
    total: int
    limit: int
    offset: int


def tenant_query(department: str | None = None) -> Select[tuple[Tenant]]:
    """The active establishments of the heatmap, by department then FINESS."""
    stmt = select(Tenant).where(Tenant.active.is_(True))
    if department is not None:
        stmt = stmt.where(Tenant.department == department.upper())
    return stmt.order_by(Tenant.department, Tenant.finess)


def columns(framework_id: str | None = None, kind: str | None = None) -> list[HeatmapColumn]:
    """The tracked items shown as columns."""
    return [
        HeatmapColumn(framework=framework.id, id=item.id, title=item.title,
                      kind=tracker.item_kind(item))
        for _, framework in tracker.frameworks(framework_id)
        for item in framework.all_items()
        if kind in (None, tracker.item_kind(item))
    ]


def rows(
    db: Session, tenants: Sequence[Tenant], *, now: datetime, framework_id: str | None = None,
    kind: str | None = None,
) -> list[HeatmapRow]:
    """The heatmap rows of ``tenants`` at ``now``."""
    tracked = tracker.track_many(db, tenants, now=now, framework_id=framework_id, kind=kind)
    return [row(tenant, standing) for tenant, standing in zip(tenants, tracked, strict=True)]


def row(tenant: Tenant, tracked: TrackerRead) -> HeatmapRow:
    """The heatmap row of ``tenant`` from its tracker."""
    return HeatmapRow(
        finess=tenant.finess, name=tenant.name, department=tenant.department,
        eligible={standing.id: standing.eligible for standing in tracked.eligibility},
        cells=[item.status for item in tracked.items],
    )


def table(heatmap: HeatmapRead, *, department: str | None, kind: str | None) -> Table:
    """The heatmap as an exportable table (French labels)."""
    frameworks = sorted({column.framework for column in heatmap.columns})
    header = ["FINESS", "Établissement", "Département",
              *(f"Éligible {framework}" for framework in frameworks),
              *(f"{column.id} {column.title}" for column in heatmap.columns)]
    filters = ", ".join(part for part in (
        f"département {department}" if department else "", f"indicateurs {kind}" if kind else "",
    ) if part) or "aucun filtre"
    return Table(
        title="Carte régionale des prérequis HN - CaRE",
        subtitle=f"Situation au {heatmap.at:%d/%m/%Y %H:%M} UTC ; {filters} ; "
        f"{heatmap.total} établissement(s).",
        header=header,
        rows=[
            [row.finess, row.name, row.department,
             *("oui" if row.eligible.get(framework) else "non" for framework in frameworks),
             *(label(cell) for cell in row.cells)]
            for row in heatmap.items
        ],
        filename=f"heatmap-{heatmap.at:%Y%m%d}",
    )
