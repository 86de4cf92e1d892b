"""Pydantic models of a framework file: one model per kind, every chapter and item sourced.

A file holds one version of one framework: a header (``id``, ``version``, ``kind``,
``title``, ``source``) and ``chapters``, each holding ``items``. What an item is depends
on the kind: an indicator (HN prerequisites), a question (self-assessment checklist), a
section (PSSI skeleton) or a requirement (CaRE, HDS). Models are frozen and refuse keys
they do not know, so a misspelt key fails at start instead of being ignored.
"""

from __future__ import annotations

import operator as op
import re
from collections.abc import Callable
from itertools import pairwise
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from ssi.library.evidence import EVIDENCE_KEYS

Kind = Literal["indicators", "checklist", "skeleton", "requirements"]
YES_NO = "oui/non"  # the unit of an organisation indicator

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_VERSION = re.compile(r"\d+(?:\.\d+)*")


def _matching(pattern: re.Pattern[str], what: str) -> Callable[[object], object]:
    """A before-validator accepting only strings that match ``pattern`` entirely."""

    def check(value: object) -> object:
        if not isinstance(value, str):
            raise ValueError(f"must be a quoted string ({what}); YAML read {value!r}")
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return check


def _number(value: object) -> object:
    """Refuse booleans where a number is expected (YAML ``yes`` would otherwise be 1)."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


def _number_or_text(value: object) -> object:
    """A target value: a number, or a word such as ``oui``; never a boolean or a list."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a number or a word such as oui")
    return value


def _at_least(count: int) -> AfterValidator:
    """A list with at least ``count`` entries (checked only once its entries are valid,
    so one bad entry is reported once, not also as a too-short list)."""

    def check(values: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(values) < count:
            raise ValueError(f"needs at least {count} entr{'y' if count == 1 else 'ies'}")
        return values

    return AfterValidator(check)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, BeforeValidator(_matching(_SLUG, "a lowercase slug like hn-prerequis"))]
Identifier = Annotated[
    str, BeforeValidator(_matching(_IDENTIFIER, "an identifier like P2.1 or H3.4"))
]
Version = Annotated[
    str, BeforeValidator(_matching(_VERSION, 'a version of dot-separated numbers like "2024"'))
]
Weight = Annotated[float, BeforeValidator(_number), Field(gt=0)]
Score = Annotated[float, BeforeValidator(_number), Field(ge=0, le=100)]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">=": op.ge,
    ">": op.gt,
    "<=": op.le,
    "<": op.lt,
    "=": op.eq,
}


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of a version string: ``"2012" < "2012.1" < "2024"``."""
    return tuple(int(part) for part in version.split("."))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Entry(_Model):
    """What every chapter and item carries: an id unique in its version, the public
    document it comes from, and whether its content was checked against that document
    (``verified``); ``note`` says what remains to check."""

    id: Identifier
    source: Text
    verified: StrictBool
    note: Text | None = None


class EvidenceRef(_Model):
    """Something Socle measures that bears on an item; older than ``max_age_days``
    (when given) it no longer counts."""

    key: str
    max_age_days: Annotated[StrictInt, Field(gt=0)] | None = None

    @field_validator("key")
    @classmethod
    def _known_key(cls, key: str) -> str:
        if key not in EVIDENCE_KEYS:
            raise ValueError(f"unknown evidence key {key!r} (known: {', '.join(EVIDENCE_KEYS)})")
        return key


class Target(_Model):
    """The value an indicator must reach: ``{operator: ">=", value: 90}`` or
    ``{operator: "=", value: oui}``."""

    operator: Literal[">=", ">", "<=", "<", "="]
    value: Annotated[float | str, BeforeValidator(_number_or_text)]

    def is_met(self, measured: float | str) -> bool:
        """Whether ``measured`` reaches the target; a value of the wrong type never does."""
        if isinstance(self.value, str):
            return measured == self.value
        if isinstance(measured, bool) or not isinstance(measured, int | float):
            return False
        return _COMPARE[self.operator](measured, self.value)


class Indicator(Entry):
    """A programme indicator: *usage* (a measured quantity, e.g. a rate in %) or
    *organisation* (answered oui/non)."""

    title: Text
    description: Text | None = None
    kind: Literal["usage", "organisation"]
    unit: Text
    target: Target
    evidence: tuple[EvidenceRef, ...] = ()

    @field_validator("unit")
    @classmethod
    def _unit_fits_kind(cls, unit: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind == "organisation" and unit != YES_NO:
            raise ValueError(f"an organisation indicator is answered yes or no: unit {YES_NO!r}")
        if kind == "usage" and unit == YES_NO:
            raise ValueError("a usage indicator measures a quantity: give its unit, e.g. '%'")
        return unit

    @field_validator("target")
    @classmethod
    def _target_fits_kind(cls, target: Target, info: ValidationInfo) -> Target:
        kind, unit = info.data.get("kind"), info.data.get("unit")
        if kind == "organisation" and (
            target.operator != "=" or target.value not in ("oui", "non")
        ):
            raise ValueError("an organisation indicator's target is {operator: '=', value: oui}")
        if kind == "usage":
            if isinstance(target.value, str):
                raise ValueError(
                    f"a usage indicator's target value must be a number, not {target.value!r}"
                )
            if target.operator == "=":
                raise ValueError("a usage indicator's target uses >=, >, <= or <")
            if unit == "%" and not 0 <= target.value <= 100:
                raise ValueError(f"a rate in % lies between 0 and 100, not {target.value:g}")
        return target


class Question(Entry):
    """A self-assessment question, answered on the checklist's scale."""

    text: Text
    help: Text | None = None
    weight: Weight = 1.0


class Section(Entry):
    """A section of a document skeleton, with guidance on what it should say."""

    title: Text
    guidance: Text


class Requirement(Entry):
    """A requirement to meet (CaRE, HDS), with the evidence Socle can bring to it."""

    title: Text
    description: Text | None = None
    evidence: tuple[EvidenceRef, ...] = ()


ItemT = TypeVar("ItemT", bound=Entry)


class Chapter(Entry, Generic[ItemT]):
    """A group of items (a prerequisite domain, a checklist chapter, an objective...)."""

    title: Text
    description: Text | None = None
    items: Annotated[tuple[ItemT, ...], _at_least(1)]


class ChecklistChapter(Chapter[Question]):
    """A checklist chapter, weighted in the overall score."""

    weight: Weight = 1.0


class ScaleLevel(_Model):
    """One answer a checklist question accepts."""

    value: StrictInt
    label: Text
    description: Text | None = None


class Scale(_Model):
    """The answers of a checklist, lowest first; ``not_applicable`` also allows ``"na"``."""

    levels: Annotated[tuple[ScaleLevel, ...], _at_least(2)]
    not_applicable: StrictBool = False

    @field_validator("levels")
    @classmethod
    def _increasing(cls, levels: tuple[ScaleLevel, ...]) -> tuple[ScaleLevel, ...]:
        if any(low.value >= high.value for low, high in pairwise(levels)):
            raise ValueError("level values must be strictly increasing, lowest first")
        return levels

    @property
    def values(self) -> tuple[int, ...]:
        """The values an answer may take (besides ``"na"`` when allowed)."""
        return tuple(level.value for level in self.levels)


class MaturityLevel(_Model):
    """A maturity level, reached from ``min_score`` (overall score, 0-100) upwards."""

    level: StrictInt
    label: Text
    min_score: Score
    description: Text | None = None


ChapterT = TypeVar("ChapterT", bound=Chapter[Any])


class FrameworkBase(_Model, Generic[ChapterT]):
    """The header every framework version carries, and its chapters."""

    id: Slug
    version: Version
    kind: Kind
    title: Text
    description: Text | None = None
    source: Text
    chapters: Annotated[tuple[ChapterT, ...], _at_least(1)]

    def all_items(self) -> tuple[Entry, ...]:
        """Every item of every chapter, in file order."""
        return tuple(item for chapter in self.chapters for item in chapter.items)


class IndicatorFramework(FrameworkBase[Chapter[Indicator]]):
    """Programme indicators with targets (Hôpital numérique prerequisites)."""

    kind: Literal["indicators"]


class ChecklistFramework(FrameworkBase[ChecklistChapter]):
    """A scored self-assessment: a scale, weighted chapters and maturity thresholds."""

    kind: Literal["checklist"]
    scale: Scale
    maturity: Annotated[tuple[MaturityLevel, ...], _at_least(1)]

    @field_validator("maturity")
    @classmethod
    def _thresholds(cls, levels: tuple[MaturityLevel, ...]) -> tuple[MaturityLevel, ...]:
        if levels[0].min_score != 0:
            raise ValueError("the first maturity level starts at min_score 0")
        for low, high in pairwise(levels):
            if high.level <= low.level or high.min_score <= low.min_score:
                raise ValueError("maturity levels and their min_score must be strictly increasing")
        return levels


class SkeletonFramework(FrameworkBase[Chapter[Section]]):
    """A document skeleton (the PGSSI-S PSSI chapters)."""

    kind: Literal["skeleton"]


class RequirementFramework(FrameworkBase[Chapter[Requirement]]):
    """Requirements to meet (CaRE domain 2, HDS v2)."""

    kind: Literal["requirements"]


Framework = IndicatorFramework | ChecklistFramework | SkeletonFramework | RequirementFramework

MODELS: dict[str, type[Framework]] = {
    "indicators": IndicatorFramework,
    "checklist": ChecklistFramework,
    "skeleton": SkeletonFramework,
    "requirements": RequirementFramework,
}
