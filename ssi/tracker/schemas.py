"""Request and answer shapes of the HN / CaRE tracker."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from controlplane.evidence import EvidenceValue
from ssi.tracker.indicators import Basis, Status

ItemKind = Literal["usage", "organisation"]


class DeclarationWrite(BaseModel):
    """A declared value: ``oui``/``non`` (or true/false) for an organisation indicator or
    a requirement, a number for a usage indicator; ``note`` says what backs it."""

    model_config = ConfigDict(extra="forbid")

    value: StrictBool | StrictInt | StrictFloat | Literal["oui", "non"]
    note: str | None = Field(default=None, max_length=4000)


class DeclarationRead(BaseModel):
    """What the establishment declared, when and who."""

    model_config = ConfigDict(from_attributes=True)

    framework_id: str
    framework_version: str
    item_id: str
    value: EvidenceValue
    note: str | None
    declared_by: str
    declared_at: datetime
    expires_at: datetime | None = None


class AutomaticRead(BaseModel):
    """One automatic value: where it was read, what it measured and when."""

    key: str
    value: EvidenceValue
    observed_at: datetime | None
    source: str
    detail: str
    verdict: bool | None = Field(
        None, description="the measuring plane's yes/no conclusion from a figure, under rule")
    rule: str = Field("", description="the rule the plane applied to reach its verdict")
    max_age_days: int | None
    expires_at: datetime | None
    status: Status


class ItemRead(BaseModel):
    """One indicator or requirement for one establishment."""

    framework: str
    version: str
    chapter: str
    id: str
    title: str
    kind: ItemKind
    unit: str
    target: str
    verified: bool
    status: Status
    basis: Basis | None
    declared: DeclarationRead | None
    automatic: list[AutomaticRead]


class ChapterRead(BaseModel):
    """A domain: whether all its items are met, and whether it is a prerequisite."""

    id: str
    title: str
    prerequisite: bool
    met: bool
    items: int
    items_met: int


class FrameworkStanding(BaseModel):
    """A programme's eligibility: every prerequisite domain met."""

    id: str
    version: str
    title: str
    eligible: bool
    chapters: list[ChapterRead]


class TrackerRead(BaseModel):
    """The tracker of one establishment at ``at``: every item (``items``/``total``) and
    each programme's eligibility."""

    tenant: str
    at: datetime
    eligibility: list[FrameworkStanding]
    items: list[ItemRead]
    total: int
