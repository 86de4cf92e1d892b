"""EBIOS RM risk studies: create and update (whole-document validation), and analyse.

An update replaces the sections it names and revalidates the whole study: every id
unique, every reference resolved, every Socle resource a supporting asset points to
found among the establishment's (where its plane publishes that kind), or the update is
refused whole (422 naming each field). The analysis is a pure function of the content:
each strategic scenario is a risk (severity: its worst feared event; likelihood: its
operational scenarios' highest, or its own), placed in the 4×4 matrix before and after
its treatment measures.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from controlplane import tenants
from controlplane.errors import Conflict, FieldError, InvalidInput
from controlplane.rows import snapshot
from controlplane.tenants import of_tenant
from ssi.errors import DUPLICATE_TITLE, INVALID_STUDY, STUDY_NOT_FOUND, UNKNOWN_RESOURCE, store
from ssi.risks.models import RiskStudy
from ssi.risks.schemas import (
    SECTIONS,
    Analysis,
    MeasureProgress,
    MeasureStatus,
    ResourceKind,
    Risk,
    SourceRelevance,
    StakeholderThreat,
    StudyContent,
    StudyCreate,
    StudyRead,
    StudySummary,
    StudyUpdate,
    TreatmentOption,
    reference_errors,
)

# Thresholds of the stakeholder threat zones (a GCS choice, as ANSSI leaves them open).
DANGER_THREAT = 2.0
CONTROL_THREAT = 1.0

# Where each resource kind is looked up: (plane, query function of its public __init__,
# the rows' attribute that is the key a supporting asset gives; None: the row's own key).
RESOURCE_QUERIES: dict[ResourceKind, tuple[str, str, str | None]] = {
    ResourceKind.SITE: ("network", "site_query", None),
    ResourceKind.CIRCUIT: ("network", "circuit_query", None),
    ResourceKind.SUBSCRIPTION: ("hosting", "subscription_query", None),
    ResourceKind.BACKUP: ("hosting", "backup_query", None),
    ResourceKind.WORKLOAD: ("apps", "workload_query", "service"),
}




def study_query(*, tenant: str | None = None) -> Select[tuple[RiskStudy]]:
    """Studies (an establishment's session sees its own), newest first."""
    stmt = select(RiskStudy).order_by(RiskStudy.id.desc())
    if tenant:
        stmt = stmt.where(of_tenant(RiskStudy.tenant_id, tenant))
    return stmt


def create_study(db: Session, body: StudyCreate, *, actor: str) -> RiskStudy:
    """Start a study for an establishment (422 on a bad content, 409 on a taken title)."""
    tenant = tenants.find_by_finess(db, body.tenant)
    if tenant is None:
        raise InvalidInput.on("tenant", f"no establishment with FINESS {body.tenant}",
                              code=STUDY_NOT_FOUND)
    _check(db, body.content, tenant.finess)
    if db.scalar(select(RiskStudy.id).where(RiskStudy.tenant_id == tenant.id,
                                            RiskStudy.title == body.title)) is not None:
        raise Conflict(detail=f"{tenant.finess} already has a study {body.title!r}",
                       code=DUPLICATE_TITLE)
    study = RiskStudy(tenant=tenant, title=body.title, scope=body.scope, state="draft",
                      content=body.content.model_dump(mode="json"), created_by=actor)
    db.add(study)
    db.flush()
    store.record(db, study, actor=actor, verb="create", read=StudySummary)
    return study


def update_study(db: Session, study: RiskStudy, body: StudyUpdate, *, actor: str) -> RiskStudy:
    """Replace the sections given and revalidate the whole study (nothing kept on error)."""
    given = body.model_dump(exclude_unset=True, mode="json")
    content = StudyContent.model_validate(
        {**study.content, **{k: v for k, v in given.items() if k in SECTIONS}}
    )
    _check(db, content, study.tenant.finess)
    if "title" in given and given["title"] != study.title and db.scalar(
        select(RiskStudy.id).where(RiskStudy.tenant_id == study.tenant_id,
                                   RiskStudy.title == given["title"])
    ) is not None:
        raise Conflict(detail=f"a study {given['title']!r} exists", code=DUPLICATE_TITLE)
    before = snapshot(study, StudySummary)
    for field in ("title", "scope", "state"):
        if field in given and given[field] is not None:
            setattr(study, field, given[field])
    study.content = content.model_dump(mode="json")
    db.flush()
    store.record(db, study, actor=actor, verb="update", read=StudySummary, before=before)
    return study


def read(study: RiskStudy, *, today: date) -> StudyRead:
    """The study with its analysis."""
    content = StudyContent.model_validate(study.content)
    return StudyRead(**StudySummary.model_validate(study).model_dump(), content=content,
                     analysis=analyse(content, today=today))


def analyse(content: StudyContent, *, today: date) -> Analysis:
    """Risks, initial and residual 4×4 matrices, stakeholder threats, plan progress."""
    severity = {event.id: event.severity for event in content.feared_events}
    treatment = {t.scenario: t.option for t in content.treatments}
    risks = []
    for scenario in content.strategic_scenarios:
        operational = [o.likelihood for o in content.operational_scenarios
                       if o.strategic_scenario == scenario.id]
        g = max(severity[event] for event in scenario.feared_events)
        v = max(operational) if operational else scenario.likelihood
        measures = [m for m in content.measures
                    if scenario.id in m.scenarios and m.status != MeasureStatus.ABANDONED]
        option = treatment.get(scenario.id)
        if option == TreatmentOption.AVOID:
            rg: int | None = None
            rv: int | None = None
        else:
            rg = max(1, g - sum(m.reduces_severity for m in measures))
            rv = max(1, v - sum(m.reduces_likelihood for m in measures))
        risks.append(Risk(
            scenario=scenario.id, risk_source=scenario.risk_source, severity=g, likelihood=v,
            level=level(g, v), option=option, measures=[m.id for m in measures],
            residual_severity=rg, residual_likelihood=rv,
            residual_level=level(rg, rv) if rg is not None and rv is not None else "évité",
        ))
    return Analysis(
        risks=risks,
        matrix=_matrix((r.scenario, r.severity, r.likelihood) for r in risks),
        residual_matrix=_matrix((r.scenario, r.residual_severity, r.residual_likelihood)
                                for r in risks),
        stakeholders=[_threat(s.id, s.name, s.dependency * s.penetration, s.maturity * s.trust)
                      for s in content.stakeholders],
        risk_sources=[SourceRelevance(id=s.id, retained=s.retained,
                                      relevance=math.ceil((s.motivation + s.resources
                                                           + s.activity) / 3))
                      for s in content.risk_sources],
        measures=MeasureProgress(
            by_status=dict(Counter(m.status.value for m in content.measures)),
            overdue=[m.id for m in content.measures if m.deadline < today
                     and m.status not in (MeasureStatus.DONE, MeasureStatus.ABANDONED)],
        ),
        unlinked_resources=[a.id for a in content.supporting_assets
                            if a.resource is not None and _finder(a.resource.kind) is None],
    )


def level(severity: int, likelihood: int) -> str:
    """The risk level of a matrix cell: faible (≤ 3), moyen (≤ 6), élevé (≥ 8)."""
    product = severity * likelihood
    return "faible" if product <= 3 else "moyen" if product <= 6 else "élevé"


def _matrix(cells: Any) -> list[list[list[str]]]:
    grid: list[list[list[str]]] = [[[] for _ in range(4)] for _ in range(4)]
    for scenario, g, v in cells:
        if g is not None and v is not None:
            grid[g - 1][v - 1].append(scenario)
    return grid


def _threat(ident: str, name: str, exposure: int, reliability: int) -> StakeholderThreat:
    threat = exposure / reliability
    zone = "danger" if threat >= DANGER_THREAT else (
        "contrôle" if threat >= CONTROL_THREAT else "veille")
    return StakeholderThreat(id=ident, name=name, threat=round(threat, 4), zone=zone)


def _check(db: Session, content: StudyContent, finess: str) -> None:
    references = reference_errors(content)
    errors = references + _resource_errors(db, content, finess)
    if errors:
        raise InvalidInput(detail="; ".join(f"{e.field}: {e.message}" for e in errors),
                           code=INVALID_STUDY if references else UNKNOWN_RESOURCE,
                           errors=errors)


def _resource_errors(db: Session, content: StudyContent, finess: str) -> list[FieldError]:
    """Supporting assets pointing to a resource the establishment does not have."""
    errors = []
    for index, asset in enumerate(content.supporting_assets):
        if asset.resource is None:
            continue
        finder = _finder(asset.resource.kind)
        if finder is None:
            continue  # that plane does not publish this kind yet: kept, shown as unlinked
        attribute = RESOURCE_QUERIES[asset.resource.kind][2]
        keys = {str(getattr(row, attribute or row.__key__))
                for row in db.scalars(finder(tenant=finess))}
        if asset.resource.key not in keys:
            errors.append(FieldError(
                f"supporting_assets[{index}].resource.key",
                f"no {asset.resource.kind.value} {asset.resource.key} for {finess}"))
    return errors


def _finder(kind: ResourceKind) -> Callable[..., Select[Any]] | None:
    """The public query function listing ``kind`` resources, if its plane has one."""
    plane, name, _ = RESOURCE_QUERIES[kind]
    if importlib.util.find_spec(plane) is None:
        return None
    return getattr(importlib.import_module(plane), name, None)
