"""The HN / CaRE tracker: each establishment's standing on the programmes' items.

For one tenant, every item of the tracked frameworks (latest versions of the library)
is judged (:mod:`ssi.tracker.indicators`) from the automatic evidence the planes measure
(:func:`controlplane.evidence.collect`, one call per tenant for all keys) and from what
the establishment declared (:class:`~ssi.tracker.models.IndicatorDeclaration`). A
programme is eligible when every item of its prerequisite domains is met.
:func:`track_many` judges many tenants with the same queries as one (the regional
heatmap): batched evidence and every tenant's declarations read at once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane import evidence
from controlplane.db import utcnow
from controlplane.errors import InvalidInput, NotFound
from controlplane.exports import Table
from controlplane.models import Tenant
from ssi.errors import BAD_DECLARATION, UNKNOWN_ITEM, UNTRACKED_FRAMEWORK, store
from ssi.library import Indicator, IndicatorFramework, Requirement, RequirementFramework
from ssi.library.framework_file import YES_NO
from ssi.library.service import library
from ssi.tracker.indicators import Declared, Item, Status, judge, label
from ssi.tracker.models import IndicatorDeclaration
from ssi.tracker.schemas import (
    AutomaticRead,
    ChapterRead,
    DeclarationRead,
    DeclarationWrite,
    FrameworkStanding,
    ItemRead,
    TrackerRead,
)


@dataclass(frozen=True)
class Tracked:
    """A framework the tracker follows; ``prerequisites`` names the chapters that
    condition eligibility (``None``: every chapter, as for Hôpital numérique)."""

    framework_id: str
    prerequisites: tuple[str, ...] | None = None


TRACKED: tuple[Tracked, ...] = (
    Tracked("hn-prerequis"),
    Tracked("care-d2", prerequisites=("D2.P",)),
    Tracked("care-d1"),
)

TrackedFramework = IndicatorFramework | RequirementFramework



def frameworks(framework_id: str | None = None) -> list[tuple[Tracked, TrackedFramework]]:
    """The tracked frameworks (latest versions), or only ``framework_id`` (404 if untracked)."""
    chosen = [t for t in TRACKED if framework_id in (None, t.framework_id)]
    if not chosen:
        raise NotFound(
            detail=f"framework {framework_id} is not followed by the HN/CaRE tracker "
            f"(followed: {', '.join(t.framework_id for t in TRACKED)})",
            code=UNTRACKED_FRAMEWORK,
        )
    found = []
    for tracked in chosen:
        framework = library().latest(tracked.framework_id)
        assert isinstance(framework, IndicatorFramework | RequirementFramework)
        found.append((tracked, framework))
    return found


def item_kind(item: Item) -> str:
    """``usage`` or ``organisation``; a requirement is answered yes/no (organisation)."""
    return item.kind if isinstance(item, Indicator) else "organisation"


def _target(item: Item) -> str:
    if isinstance(item, Indicator):
        value = item.target.value
        shown = f"{value:g}" if isinstance(value, float) else value
        return f"{item.target.operator} {shown}{'' if item.unit == YES_NO else ' ' + item.unit}"
    return "= oui"


Declarations = dict[tuple[str, str], IndicatorDeclaration]


def _declarations(db: Session, tenant_ids: Collection[int]) -> dict[int, Declarations]:
    """Each tenant's declarations by (framework, item), all read at once."""
    found: dict[int, Declarations] = {tenant_id: {} for tenant_id in tenant_ids}
    for row in db.scalars(
        select(IndicatorDeclaration).where(IndicatorDeclaration.tenant_id.in_(tenant_ids))
    ):
        found[row.tenant_id][(row.framework_id, row.item_id)] = row
    return found


def _keys(chosen: Sequence[tuple[Tracked, TrackedFramework]]) -> list[str]:
    """The evidence keys the items of ``chosen`` read."""
    return sorted({ref.key for _, fw in chosen for item in fw.all_items() for ref in item.evidence})


def track(
    db: Session, tenant: Tenant, *, now: datetime, framework_id: str | None = None,
    kind: str | None = None,
) -> TrackerRead:
    """The tracker of ``tenant`` at ``now``: every item of the tracked frameworks (or of
    ``framework_id``; of ``kind`` usage/organisation when given) and each eligibility."""
    chosen = frameworks(framework_id)
    found = evidence.collect(db, tenant_id=tenant.id, keys=_keys(chosen), now=now)
    declared = _declarations(db, [tenant.id])[tenant.id]
    return _standing(tenant, chosen, found, declared, now=now, kind=kind)


def track_many(
    db: Session, tenants: Sequence[Tenant], *, now: datetime, framework_id: str | None = None,
    kind: str | None = None,
) -> list[TrackerRead]:
    """The tracker of each of ``tenants`` at ``now``, as :func:`track` gives it, read with
    a number of queries that does not grow with the number of tenants."""
    chosen = frameworks(framework_id)
    ids = [tenant.id for tenant in tenants]
    found = evidence.collect_many(db, tenant_ids=ids, keys=_keys(chosen), now=now)
    declared = _declarations(db, ids)
    return [_standing(tenant, chosen, found[tenant.id], declared[tenant.id], now=now, kind=kind)
            for tenant in tenants]


def _standing(
    tenant: Tenant, chosen: Sequence[tuple[Tracked, TrackedFramework]],
    found: dict[str, evidence.Evidence], declared: Declarations, *, now: datetime,
    kind: str | None,
) -> TrackerRead:
    items: list[ItemRead] = []
    standings: list[FrameworkStanding] = []
    for tracked, framework in chosen:
        chapters = []
        for chapter in framework.chapters:
            judged = [
                _item(framework, chapter.id, item, found, declared.get((framework.id, item.id)),
                      now)
                for item in chapter.items
            ]
            met = sum(item.status is Status.MET for item in judged)
            prerequisite = tracked.prerequisites is None or chapter.id in tracked.prerequisites
            chapters.append(ChapterRead(id=chapter.id, title=chapter.title,
                                        prerequisite=prerequisite, met=met == len(judged),
                                        items=len(judged), items_met=met))
            items.extend(item for item in judged if kind in (None, item.kind))
        standings.append(FrameworkStanding(
            id=framework.id, version=framework.version, title=framework.title,
            eligible=all(c.met for c in chapters if c.prerequisite), chapters=chapters,
        ))
    return TrackerRead(tenant=tenant.finess, at=now, eligibility=standings, items=items,
                       total=len(items))


def _item(
    framework: TrackedFramework, chapter_id: str, item: Item,
    found: dict[str, evidence.Evidence], row: IndicatorDeclaration | None, now: datetime,
) -> ItemRead:
    declared = (
        Declared(row.value, row.note, row.declared_at, row.declared_by) if row is not None else None
    )
    judgement = judge(item, [(ref, found[ref.key]) for ref in item.evidence], declared, now)
    return ItemRead(
        framework=framework.id, version=framework.version, chapter=chapter_id, id=item.id,
        title=item.title, kind=item_kind(item),
        unit=item.unit if isinstance(item, Indicator) else YES_NO, target=_target(item),
        verified=item.verified, status=judgement.status, basis=judgement.basis,
        declared=(
            DeclarationRead.model_validate(row).model_copy(
                update={"expires_at": judgement.declaration_expires_at})
            if row is not None else None
        ),
        automatic=[
            AutomaticRead(
                key=value.evidence.key, value=value.evidence.value,
                observed_at=value.evidence.observed_at, source=value.evidence.source,
                detail=value.evidence.detail, verdict=value.evidence.verdict,
                rule=value.evidence.rule, max_age_days=value.max_age_days,
                expires_at=value.expires_at, status=value.status,
            )
            for value in judgement.automatic
        ],
    )


def find_item(framework: TrackedFramework, item_id: str) -> Item:
    """The item ``item_id`` of ``framework`` (404 when it has none)."""
    for item in framework.all_items():
        if item.id == item_id:
            assert isinstance(item, Indicator | Requirement)
            return item
    raise NotFound(detail=f"framework {framework.id} has no item {item_id}", code=UNKNOWN_ITEM)


def _check_value(item: Item, body: DeclarationWrite) -> bool | float | int | str:
    value = body.value
    if item_kind(item) == "organisation":
        if isinstance(value, bool):
            return "oui" if value else "non"
        if value not in ("oui", "non"):
            raise InvalidInput.on("value", f"{item.id} is answered oui or non, not {value!r}",
                                  code=BAD_DECLARATION)
        return value
    assert isinstance(item, Indicator)
    if isinstance(value, bool | str):
        raise InvalidInput.on("value", f"{item.id} is measured in {item.unit}: give a number",
                              code=BAD_DECLARATION)
    if value < 0 or (item.unit == "%" and value > 100):
        raise InvalidInput.on("value", f"{value:g} is out of range for a value in {item.unit}",
                              code=BAD_DECLARATION)
    return value


def declare(
    db: Session, tenant: Tenant, framework_id: str, item_id: str, body: DeclarationWrite, *,
    actor: str,
) -> DeclarationRead:
    """Record (or replace) the establishment's declared value for one item, audited."""
    [(_, framework)] = frameworks(framework_id)
    item = find_item(framework, item_id)
    value = _check_value(item, body)
    row = db.scalar(select(IndicatorDeclaration).where(
        IndicatorDeclaration.tenant_id == tenant.id,
        IndicatorDeclaration.framework_id == framework.id,
        IndicatorDeclaration.item_id == item.id,
    ))
    before = DeclarationRead.model_validate(row).model_dump(mode="json") if row else None
    if row is None:
        row = IndicatorDeclaration(tenant_id=tenant.id, tenant=tenant, framework_id=framework.id,
                                   item_id=item.id)
        db.add(row)
    row.framework_version = framework.version
    row.value = value
    row.note = body.note
    row.declared_by = actor
    row.declared_at = utcnow()
    db.flush()
    store.record(db, row, actor=actor, verb="declare", read=DeclarationRead, before=before)
    return DeclarationRead.model_validate(row)


def _automatic(item: ItemRead) -> str:
    return "; ".join(
        f"{value.key} = {value.value if value.value is not None else '?'} "
        f"({value.source or value.detail}"
        f"{f', {value.observed_at:%d/%m/%Y}' if value.observed_at else ''}) : {label(value.status)}"
        f"{f' [règle : {value.rule} ; {value.detail}]' if value.rule else ''}"
        for value in item.automatic
    )


def table(tracked: TrackerRead, tenant: Tenant) -> Table:
    """The tracker of one establishment as an exportable table (French labels)."""
    eligibility = ", ".join(
        f"{standing.id} {'éligible' if standing.eligible else 'non éligible'}"
        for standing in tracked.eligibility
    )
    return Table(
        title=f"Suivi HN - CaRE de {tenant.name}",
        subtitle=f"FINESS {tenant.finess} ; situation au {tracked.at:%d/%m/%Y %H:%M} UTC ; "
        f"{eligibility}.",
        header=["Programme", "Domaine", "Indicateur", "Libellé", "Type", "Cible", "Statut",
                "Fondé sur", "Valeur déclarée", "Note", "Déclaré le", "Preuves automatiques"],
        rows=[
            [item.framework, item.chapter, item.id, item.title, item.kind, item.target,
             label(item.status), item.basis or "",
             item.declared.value if item.declared else None,
             item.declared.note if item.declared else None,
             item.declared.declared_at if item.declared else None, _automatic(item)]
            for item in tracked.items
        ],
        filename=f"indicateurs-{tenant.finess}-{tracked.at:%Y%m%d}",
    )
