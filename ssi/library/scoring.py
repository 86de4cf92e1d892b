"""Score a checklist's answers: per chapter, overall, and the maturity level reached.

Pure functions, exact arithmetic (fractions; floats only in the result). An answer is a
value of the checklist's scale, or ``"na"`` when the scale allows "not applicable".

- A question's credit is ``(value - lowest) / (highest - lowest)``, from 0 to 1.
- A chapter's score is 100 × the question-weighted mean credit of its applicable
  questions. An unanswered question counts as the lowest level (a measure nobody
  declared is not taken as in place); ``"na"`` questions leave the mean. A chapter whose
  questions are all ``"na"`` has no score.
- The overall score is the chapter-weighted mean of the chapters that have a score.
- The maturity level is the highest level whose ``min_score`` the overall score reaches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import cast

from controlplane.errors import FieldError, InvalidInput
from ssi.errors import OUT_OF_SCALE, UNKNOWN_QUESTION
from ssi.library.framework_file import ChecklistChapter, ChecklistFramework, MaturityLevel, Scale

NOT_APPLICABLE = "na"

Answer = int | str  # a scale value, or NOT_APPLICABLE


@dataclass(frozen=True)
class ChapterScore:
    """One chapter's result; ``score`` is 0-100, ``None`` when nothing applies."""

    chapter_id: str
    weight: float
    score: float | None
    answered: int
    questions: int


@dataclass(frozen=True)
class ChecklistScore:
    """A whole answer set's result, against the checklist version it was scored on."""

    framework_id: str
    version: str
    chapters: tuple[ChapterScore, ...]
    overall: float | None
    maturity: MaturityLevel | None
    answered: int
    questions: int

    @property
    def complete(self) -> bool:
        """Whether every question has an answer (``"na"`` counts as an answer)."""
        return self.answered == self.questions


def validate_answers(
    checklist: ChecklistFramework, answers: Mapping[str, object]
) -> dict[str, Answer]:
    """The answers, checked: raise :class:`InvalidInput` naming every unknown question
    and every value off the scale (nothing is kept when one answer is wrong)."""
    known = {question.id for chapter in checklist.chapters for question in chapter.items}
    errors: list[FieldError] = []
    valid: dict[str, Answer] = {}
    unknown = False
    for question_id, value in answers.items():
        if question_id not in known:
            unknown = True
            errors.append(FieldError(question_id, "unknown question"))
        elif not _on_scale(checklist.scale, value):
            errors.append(
                FieldError(
                    question_id, f"{value!r} is not on the scale ({_allowed(checklist.scale)})"
                )
            )
        else:
            valid[question_id] = cast(Answer, value)
    if errors:
        raise InvalidInput(
            detail="; ".join(f"{error.field}: {error.message}" for error in errors),
            code=UNKNOWN_QUESTION if unknown else OUT_OF_SCALE,
            errors=errors,
        )
    return valid


def score_checklist(checklist: ChecklistFramework, answers: Mapping[str, object]) -> ChecklistScore:
    """Validate ``answers`` ({question id: value}) and score them per chapter and overall."""
    valid = validate_answers(checklist, answers)
    lowest, highest = checklist.scale.values[0], checklist.scale.values[-1]
    exact = [_chapter(chapter, valid, lowest, highest) for chapter in checklist.chapters]
    scored = [(chapter.weight, score) for chapter, score, _ in exact if score is not None]
    overall = (
        sum(Fraction(weight) * score for weight, score in scored)
        / sum(Fraction(weight) for weight, _ in scored)
        if scored
        else None
    )
    chapters = tuple(
        ChapterScore(
            chapter_id=chapter.id,
            weight=chapter.weight,
            score=float(score) if score is not None else None,
            answered=answered,
            questions=len(chapter.items),
        )
        for chapter, score, answered in exact
    )
    return ChecklistScore(
        framework_id=checklist.id,
        version=checklist.version,
        chapters=chapters,
        overall=float(overall) if overall is not None else None,
        maturity=maturity_for(checklist, overall) if overall is not None else None,
        answered=sum(chapter.answered for chapter in chapters),
        questions=sum(chapter.questions for chapter in chapters),
    )


def maturity_for(checklist: ChecklistFramework, score: float | Fraction) -> MaturityLevel:
    """The highest maturity level whose ``min_score`` ``score`` (0-100) reaches."""
    reached = (level for level in reversed(checklist.maturity) if level.min_score <= score)
    return next(reached, checklist.maturity[0])


def _chapter(
    chapter: ChecklistChapter, answers: Mapping[str, Answer], lowest: int, highest: int
) -> tuple[ChecklistChapter, Fraction | None, int]:
    """(chapter, exact score or None, questions answered)."""
    credit = weight = Fraction(0)
    answered = 0
    for question in chapter.items:
        value = answers.get(question.id)
        if value is not None:
            answered += 1
        if value == NOT_APPLICABLE:
            continue
        weight += Fraction(question.weight)
        if isinstance(value, int):
            credit += Fraction(question.weight) * Fraction(value - lowest, highest - lowest)
    return chapter, (100 * credit / weight if weight else None), answered


def _on_scale(scale: Scale, value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value in scale.values
    return scale.not_applicable and value == NOT_APPLICABLE


def _allowed(scale: Scale) -> str:
    values = [str(value) for value in scale.values]
    return ", ".join([*values, repr(NOT_APPLICABLE)] if scale.not_applicable else values)
