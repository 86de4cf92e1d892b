"""Pydantic shapes of the diagnostic flash: campaign and assessment bodies and answers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from controlplane.db import utcnow
from controlplane.finess import validate_finess
from ssi.campaigns.models import Assessment, Campaign

AnswerValue = StrictInt | StrictStr  # a value of the checklist's scale, or "na"


class CampaignState(StrEnum):
    """A campaign accepts answers while open."""

    OPEN = "open"
    CLOSED = "closed"


class AssessmentState(StrEnum):
    """An assessment is answered while open, then submitted (final, scored)."""

    OPEN = "open"
    SUBMITTED = "submitted"


class CampaignCreate(BaseModel):
    """Open a campaign: which checklist (version pinned; the latest when omitted), for
    which establishments (FINESS), answered by when."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    framework_id: str = "hygiene-checklist"
    version: str | None = Field(default=None, description="Default: the latest version.")
    deadline: date
    tenants: Annotated[list[str], Field(min_length=1, description="FINESS of each establishment.")]
    description: str | None = None

    @field_validator("tenants")
    @classmethod
    def _finess(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(validate_finess(value) for value in values))


class CampaignRead(BaseModel):
    """A campaign, with how many establishments submitted."""

    id: int
    name: str
    framework_id: str
    framework_version: str
    deadline: date
    state: CampaignState
    description: str | None
    submitted: int = Field(description="Assessments submitted so far.")
    created_by: str
    created_at: datetime
    closed_at: datetime | None

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, value: Any) -> Any:
        if not isinstance(value, Campaign):
            return value
        shown = {name: getattr(value, name) for name in cls.model_fields if name != "submitted"}
        return {**shown, "submitted": len(value.results or {})}


class AnswersUpdate(BaseModel):
    """Answers to record: question id → scale value, ``"na"``, or ``null`` to clear it.
    Answers not named are kept."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any] = Field(
        description="Question id → integer on the scale, \"na\", or null (checked against "
        "the campaign's checklist version: a bad one is a 422 naming the question)."
    )


class AssessmentRead(BaseModel):
    """An establishment's assessment in a campaign."""

    id: int
    campaign_id: int
    campaign: str
    framework_id: str
    framework_version: str
    deadline: date
    tenant: str
    tenant_name: str
    state: AssessmentState
    late: bool = Field(description="Not submitted and the deadline (UTC day) has passed.")
    answers: dict[str, AnswerValue]
    overall: float | None
    maturity_level: int | None
    chapter_scores: dict[str, float | None]
    submitted_at: datetime | None
    submitted_by: str | None
    reminders: int
    last_reminded_on: date | None

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, value: Any) -> Any:
        if not isinstance(value, Assessment):
            return value
        campaign = value.campaign
        return {
            **{name: getattr(value, name) for name in _ASSESSMENT_COLUMNS},
            "campaign": campaign.name,
            "framework_id": campaign.framework_id,
            "framework_version": campaign.framework_version,
            "deadline": campaign.deadline,
            "tenant": value.tenant.finess,
            "tenant_name": value.tenant.name,
            "late": is_late(value, utcnow().date()),
        }


_ASSESSMENT_COLUMNS = (
    "id", "campaign_id", "state", "answers", "overall", "maturity_level", "chapter_scores",
    "submitted_at", "submitted_by", "reminders", "last_reminded_on",
)


def is_late(assessment: Assessment, today: date) -> bool:
    """Whether ``assessment`` is still unsubmitted after its campaign's deadline."""
    return assessment.state == AssessmentState.OPEN.value and today > assessment.campaign.deadline


class ChapterResult(BaseModel):
    """One chapter's score in an assessment."""

    id: str
    title: str
    weight: float
    score: float | None
    answered: int
    questions: int


class Statistics(BaseModel):
    """Distribution of scores in a campaign (submitted assessments only)."""

    count: int
    min: float
    q1: float
    median: float
    q3: float
    max: float


WITHHELD_DESCRIPTION = (
    "Why figures are left out of this view, naming them: an establishment is shown a "
    "regional figure only when at least SOCLE_SSI_MIN_GROUP_SIZE establishments contribute "
    "to it (the RSSI, operators and auditors see them all); null: nothing left out."
)


class Comparison(BaseModel):
    """Where an establishment stands in its campaign: rank 1 is the best overall score.
    Figures over too few establishments are withheld from an establishment (``withheld``)."""

    overall: Statistics | None
    rank: int | None
    out_of: int = Field(description="Submitted assessments with an overall score.")
    chapters: dict[str, Statistics]
    withheld: str | None = Field(default=None, description=WITHHELD_DESCRIPTION)


class HistoryEntry(BaseModel):
    """A previous submitted assessment of the same establishment on the same checklist."""

    assessment_id: int
    campaign: str
    framework_version: str
    submitted_at: datetime
    overall: float | None
    maturity_level: int | None


class Maturity(BaseModel):
    """A maturity level of the checklist."""

    level: int
    label: str


class AssessmentDetail(AssessmentRead):
    """An assessment with its live score, its place in the region and its history."""

    answered: int
    questions: int
    score: float | None = Field(description="Overall score 0-100 of the current answers.")
    maturity: Maturity | None
    chapters: list[ChapterResult]
    comparison: Comparison | None
    history: list[HistoryEntry]


class CampaignResults(BaseModel):
    """The regional picture of a campaign (figures over too few establishments are
    withheld from an establishment: ``withheld`` says which and why)."""

    campaign_id: int
    submitted: int
    overall: Statistics | None
    chapters: dict[str, Statistics]
    maturity: dict[str, int] = Field(description="Submitted assessments per maturity level.")
    withheld: str | None = Field(default=None, description=WITHHELD_DESCRIPTION)


class ReminderResult(BaseModel):
    """What a reminder pass found and marked."""

    late: list[str] = Field(description="FINESS of every late assessment.")
    reminded: list[str] = Field(description="FINESS reminded by this pass (once a day each).")
