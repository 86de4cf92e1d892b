"""EBIOS Risk Manager study content (the five workshops) and its computed analysis.

A study's content is one document; each workshop is a list of objects with an ``id``
unique in the study, referring to others by id. Scales follow ANSSI: severity G1 (minor)
to G4 (critical), likelihood V1 (unlikely) to V4 (certain), relevance and stakeholder
ratings 1 to 4. :func:`reference_errors` names every dangling reference
(``feared_events[0].business_value``) so a bad update is refused whole.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from controlplane.errors import FieldError
from controlplane.schemas import Finess
from ssi.risks.models import RiskStudy

Rating = Annotated[int, Field(ge=1, le=4)]
Ident = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
Name = Annotated[str, Field(min_length=1, max_length=300)]
#: A study's title: what its column holds (VARCHAR(200)).
Title = Annotated[str, Field(min_length=1, max_length=200)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Ident


class ResourceKind(StrEnum):
    """Socle resources a supporting asset may point to (by the owning plane's key)."""

    SITE = "site"
    CIRCUIT = "circuit"
    SUBSCRIPTION = "subscription"
    BACKUP = "backup"
    WORKLOAD = "workload"


class ResourceRef(BaseModel):
    """A Socle resource: a site code, circuit ref, subscription id, backup or workload key."""

    model_config = ConfigDict(extra="forbid")

    kind: ResourceKind
    key: Annotated[str, Field(min_length=1, max_length=200)]


class BusinessValue(_Part):
    """Workshop 1: a business value (valeur métier): a process or an information."""

    name: Name
    nature: Annotated[str, Field(pattern="^(processus|information)$")] = "processus"
    description: str | None = None


class SupportingAsset(_Part):
    """Workshop 1: a supporting asset (bien support) carrying business values."""

    name: Name
    business_values: list[Ident] = []
    resource: ResourceRef | None = None


class FearedEvent(_Part):
    """Workshop 1: a feared event on a business value, with its severity (G1-G4)."""

    business_value: Ident
    impact: Name
    severity: Rating


class RiskSource(_Part):
    """Workshop 2: a risk source / targeted objective pair, rated 1-4."""

    source: Name
    objective: Name
    motivation: Rating
    resources: Rating
    activity: Rating
    retained: bool = True


class Stakeholder(_Part):
    """Workshop 3: an ecosystem stakeholder (partie prenante), rated 1-4."""

    name: Name
    category: Name = "prestataire"
    dependency: Rating
    penetration: Rating
    maturity: Rating
    trust: Rating


class StrategicScenario(_Part):
    """Workshop 3: a risk source reaching feared events, possibly through stakeholders;
    its likelihood is declared, or taken from its operational scenarios when it has any."""

    risk_source: Ident
    feared_events: Annotated[list[Ident], Field(min_length=1)]
    stakeholders: list[Ident] = []
    description: str | None = None
    likelihood: Rating = 2


class OperationalScenario(_Part):
    """Workshop 4: how a strategic scenario is carried out on supporting assets."""

    strategic_scenario: Ident
    supporting_assets: list[Ident] = []
    description: Name
    likelihood: Rating


class TreatmentOption(StrEnum):
    """Workshop 5: what is decided for a risk."""

    REDUCE = "reduce"
    ACCEPT = "accept"
    AVOID = "avoid"
    TRANSFER = "transfer"


class Treatment(BaseModel):
    """The decision for one risk (a strategic scenario)."""

    model_config = ConfigDict(extra="forbid")

    scenario: Ident
    option: TreatmentOption
    justification: str | None = None


class MeasureStatus(StrEnum):
    """Where a security measure stands."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ABANDONED = "abandoned"


class Measure(_Part):
    """Workshop 5: a security measure of the treatment plan, on one or more risks; it
    lowers their likelihood and/or severity by whole levels (never below 1)."""

    title: Name
    description: str | None = None
    owner: Name
    deadline: date
    status: MeasureStatus = MeasureStatus.PLANNED
    scenarios: Annotated[list[Ident], Field(min_length=1)]
    reduces_likelihood: Annotated[int, Field(ge=0, le=3)] = 1
    reduces_severity: Annotated[int, Field(ge=0, le=3)] = 0
    pssi_section: Ident | None = Field(
        default=None, description="PSSI skeleton section the measure belongs in (e.g. C5.2).")


class StudyContent(BaseModel):
    """The workshops of a study."""

    model_config = ConfigDict(extra="forbid")

    business_values: list[BusinessValue] = []
    supporting_assets: list[SupportingAsset] = []
    feared_events: list[FearedEvent] = []
    risk_sources: list[RiskSource] = []
    stakeholders: list[Stakeholder] = []
    strategic_scenarios: list[StrategicScenario] = []
    operational_scenarios: list[OperationalScenario] = []
    treatments: list[Treatment] = []
    measures: list[Measure] = []


SECTIONS = tuple(StudyContent.model_fields)

# (section, field, the section it must name)
_REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("supporting_assets", "business_values", "business_values"),
    ("feared_events", "business_value", "business_values"),
    ("strategic_scenarios", "risk_source", "risk_sources"),
    ("strategic_scenarios", "feared_events", "feared_events"),
    ("strategic_scenarios", "stakeholders", "stakeholders"),
    ("operational_scenarios", "strategic_scenario", "strategic_scenarios"),
    ("operational_scenarios", "supporting_assets", "supporting_assets"),
    ("treatments", "scenario", "strategic_scenarios"),
    ("measures", "scenarios", "strategic_scenarios"),
)


def reference_errors(content: StudyContent) -> list[FieldError]:
    """Every duplicate id and every reference to an id the named section lacks."""
    errors: list[FieldError] = []
    seen: dict[str, str] = {}
    ids: dict[str, set[str]] = {}
    for section in SECTIONS:
        if section == "treatments":
            continue
        ids[section] = set()
        for index, part in enumerate(getattr(content, section)):
            if part.id in seen:
                errors.append(FieldError(f"{section}[{index}].id",
                                         f"{part.id} is already used in {seen[part.id]}"))
            seen[part.id] = section
            ids[section].add(part.id)
    for section, field, target in _REFERENCES:
        for index, part in enumerate(getattr(content, section)):
            value = getattr(part, field)
            for position, ref in enumerate(value if isinstance(value, list) else [value]):
                if ref not in ids[target]:
                    where = f"{section}[{index}].{field}" + (
                        f"[{position}]" if isinstance(value, list) else "")
                    errors.append(FieldError(where, f"no {target.rstrip('s')} {ref}"))
    treated: set[str] = set()
    for index, treatment in enumerate(content.treatments):
        if treatment.scenario in treated:
            errors.append(FieldError(f"treatments[{index}].scenario",
                                     f"{treatment.scenario} already has a treatment"))
        treated.add(treatment.scenario)
    return errors


class StudyCreate(BaseModel):
    """Start a study for an establishment (content may be given at once or later)."""

    model_config = ConfigDict(extra="forbid")

    tenant: Finess
    title: Title
    scope: str | None = None
    content: StudyContent = StudyContent()


class StudyState(StrEnum):
    """A study is drafted, then validated by the establishment's management."""

    DRAFT = "draft"
    VALIDATED = "validated"


class StudyUpdate(BaseModel):
    """Change a study: the sections given replace the study's (others are kept)."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    scope: str | None = None
    state: StudyState | None = None
    business_values: list[BusinessValue] | None = None
    supporting_assets: list[SupportingAsset] | None = None
    feared_events: list[FearedEvent] | None = None
    risk_sources: list[RiskSource] | None = None
    stakeholders: list[Stakeholder] | None = None
    strategic_scenarios: list[StrategicScenario] | None = None
    operational_scenarios: list[OperationalScenario] | None = None
    treatments: list[Treatment] | None = None
    measures: list[Measure] | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        """A field given as null would erase what it holds: leave it out to keep it,
        give ``[]`` to empty a section."""
        if value is None:
            raise ValueError("null is not a value here: leave the field out to keep it "
                             "(or give [] to empty a section)")
        return value


class StudySummary(BaseModel):
    """A study as listed."""

    id: int
    tenant: str
    tenant_name: str
    title: str
    scope: str | None
    state: StudyState
    created_by: str
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, value: Any) -> Any:
        if not isinstance(value, RiskStudy):
            return value
        return {
            **{name: getattr(value, name) for name in
               ("id", "title", "scope", "state", "created_by", "created_at", "updated_at")},
            "tenant": value.tenant.finess,
            "tenant_name": value.tenant.name,
        }


class Risk(BaseModel):
    """A risk (a strategic scenario) before and after its treatment."""

    scenario: str
    risk_source: str
    severity: int
    likelihood: int
    level: str
    option: TreatmentOption | None
    measures: list[str]
    residual_severity: int | None = Field(description="None when the risk is avoided.")
    residual_likelihood: int | None
    residual_level: str


class StakeholderThreat(BaseModel):
    """A stakeholder's threat level: (dependency × penetration) / (maturity × trust)."""

    id: str
    name: str
    threat: float
    zone: str


class SourceRelevance(BaseModel):
    """A risk source's relevance: the rounded-up mean of motivation, resources, activity."""

    id: str
    relevance: int
    retained: bool


class MeasureProgress(BaseModel):
    """Where the treatment plan stands."""

    by_status: dict[str, int]
    overdue: list[str] = Field(description="Measures past their deadline and not done.")


class Analysis(BaseModel):
    """What the study computes: risks, the 4×4 matrices, threats, plan progress."""

    risks: list[Risk]
    matrix: list[list[list[str]]] = Field(
        description="matrix[severity-1][likelihood-1] = initial risks (scenario ids).")
    residual_matrix: list[list[list[str]]]
    stakeholders: list[StakeholderThreat]
    risk_sources: list[SourceRelevance]
    measures: MeasureProgress
    unlinked_resources: list[str] = Field(
        description="Supporting assets whose Socle resource could not be checked "
        "(its plane does not publish that kind yet).")


class StudyRead(StudySummary):
    """A study with its content and its analysis."""

    content: StudyContent
    analysis: Analysis
