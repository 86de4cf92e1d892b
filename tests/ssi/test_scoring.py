"""Checklist scoring against hand-computed expectations (arithmetic in the comments).

Mini checklist (tests/ssi/samples.py): scale 0..2 (credit = value / 2), "na" allowed;
chapter A weight 1 = A1 (w1) + A2 (w3); chapter B weight 2 = B1 (w1) + B2 (w1) + B3 (w2);
maturity 1 from 0, 2 from 50, 3 from 75.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from controlplane.errors import InvalidInput
from ssi.errors import OUT_OF_SCALE, UNKNOWN_QUESTION
from ssi.library import (
    ChecklistFramework,
    ChecklistScore,
    load_library,
    score_checklist,
    validate_answers,
)
from tests.ssi.samples import CHECKLIST, replace_once, write


def mini(tmp_path: Path, text: str = CHECKLIST) -> ChecklistFramework:
    write(tmp_path, "mini-flash/1.0.yaml", text)
    return load_library(shipped_dir=tmp_path).checklist("mini-flash")


def chapter_scores(result: ChecklistScore) -> dict[str, float | None]:
    return {chapter.chapter_id: chapter.score for chapter in result.chapters}


def test_mixed_answers(tmp_path: Path) -> None:
    result = score_checklist(mini(tmp_path), {"A1": 2, "A2": 1, "B1": 2, "B2": 0, "B3": 1})
    # A = (1×1 + 3×0.5) / 4 = 2.5/4 = 62.5 %
    # B = (1×1 + 1×0 + 2×0.5) / 4 = 2/4 = 50 %
    # overall = (1×62.5 + 2×50) / 3 = 162.5/3 = 54.1666… → level 2 (50 ≤ s < 75)
    assert chapter_scores(result) == {"A": 62.5, "B": 50.0}
    assert result.overall == pytest.approx(162.5 / 3)
    assert result.maturity is not None and (result.maturity.level, result.maturity.label) == (
        2,
        "Moyen",
    )
    assert (result.answered, result.questions, result.complete) == (5, 5, True)
    assert (result.framework_id, result.version) == ("mini-flash", "1.0")


def test_not_applicable_and_unanswered(tmp_path: Path) -> None:
    result = score_checklist(mini(tmp_path), {"A1": "na", "A2": 2, "B1": 1})
    # A: A1 leaves the mean; A2 (w3) credit 1 → 3/3 = 100 %
    # B: B2 and B3 unanswered count as 0 → (1×0.5 + 0 + 0) / 4 = 12.5 %
    # overall = (1×100 + 2×12.5) / 3 = 125/3 = 41.666… → level 1
    assert chapter_scores(result) == {"A": 100.0, "B": 12.5}
    assert result.overall == pytest.approx(125 / 3)
    assert result.maturity is not None and result.maturity.level == 1
    assert [(c.answered, c.questions) for c in result.chapters] == [(2, 2), (1, 3)]
    assert (result.answered, result.complete) == (3, False)


def test_chapter_wholly_not_applicable_leaves_the_overall(tmp_path: Path) -> None:
    result = score_checklist(mini(tmp_path), {"A1": "na", "A2": "na", "B1": 2, "B2": 2, "B3": 2})
    # A has no applicable question → no score; overall = B alone = 100 → level 3
    assert chapter_scores(result) == {"A": None, "B": 100.0}
    assert result.overall == 100.0
    assert result.maturity is not None and result.maturity.level == 3


def test_everything_not_applicable_has_no_score(tmp_path: Path) -> None:
    answers = dict.fromkeys(["A1", "A2", "B1", "B2", "B3"], "na")
    result = score_checklist(mini(tmp_path), answers)
    assert (result.overall, result.maturity, result.complete) == (None, None, True)


def test_no_answer_scores_zero(tmp_path: Path) -> None:
    result = score_checklist(mini(tmp_path), {})
    assert chapter_scores(result) == {"A": 0.0, "B": 0.0}
    assert result.overall == 0.0
    assert result.maturity is not None and result.maturity.level == 1
    assert (result.answered, result.complete) == (0, False)


@pytest.mark.parametrize(
    ("answers", "overall", "level"),
    [
        # every credit 0.5 → every chapter 50 → overall exactly 50 → level 2
        ({"A1": 1, "A2": 1, "B1": 1, "B2": 1, "B3": 1}, 50.0, 2),
        # A = 100; B = (1×1 + 1×0.5 + 2×0.5) / 4 = 62.5; overall = (100 + 125) / 3 = 75 → level 3
        ({"A1": 2, "A2": 2, "B1": 2, "B2": 1, "B3": 1}, 75.0, 3),
    ],
)
def test_thresholds_are_reached_exactly(
    tmp_path: Path, answers: dict[str, int], overall: float, level: int
) -> None:
    result = score_checklist(mini(tmp_path), answers)
    assert result.overall == overall
    assert result.maturity is not None and result.maturity.level == level


def test_unknown_question_and_value_off_the_scale(tmp_path: Path) -> None:
    checklist = mini(tmp_path)
    with pytest.raises(InvalidInput) as caught:
        score_checklist(checklist, {"A1": 2, "Z9": 1, "B1": 3, "B2": True, "B3": "2"})
    error = caught.value
    assert error.code == UNKNOWN_QUESTION
    assert [(e.field, e.message) for e in error.errors] == [
        ("Z9", "unknown question"),
        ("B1", "3 is not on the scale (0, 1, 2, 'na')"),
        ("B2", "True is not on the scale (0, 1, 2, 'na')"),
        ("B3", "'2' is not on the scale (0, 1, 2, 'na')"),
    ]
    with pytest.raises(InvalidInput) as off_scale:
        validate_answers(checklist, {"A1": -1})
    assert off_scale.value.code == OUT_OF_SCALE


def test_not_applicable_only_when_the_scale_allows_it(tmp_path: Path) -> None:
    checklist = mini(
        tmp_path, replace_once(CHECKLIST, "not_applicable: true", "not_applicable: false")
    )
    with pytest.raises(InvalidInput) as caught:
        validate_answers(checklist, {"A1": "na"})
    assert caught.value.errors[0].message == "'na' is not on the scale (0, 1, 2)"


def test_real_answer_set_on_the_shipped_diagnostic_flash() -> None:
    """A small establishment's answers to hygiene-checklist 1.0 (scale 0..3, credit v/3).

    Chapter weights: H1 1, H2 1, H3 2, H4 1, H5 1, H6 2, H7 1, H8 2, H9 2, H10 1.
    Question weights are 1 except H3.6, H8.1 and H9.2 (2).
    """
    flash = load_library().checklist("hygiene-checklist", "1.0")
    answers: dict[str, object] = {
        # H1 = (1/3 + 2/3 + 0) / 3 = 1/3 → 33.33…
        "H1.1": 1, "H1.2": 2, "H1.3": 0,
        # H2 = 100
        "H2.1": 3, "H2.2": 3, "H2.3": 3, "H2.4": 3,
        # H3 = (5 × 1 + 2 × 0) / 7 = 5/7 → 71.43…
        "H3.1": 3, "H3.2": 3, "H3.3": 3, "H3.4": 3, "H3.5": 3, "H3.6": 0,
        # H4 = 2/3 → 66.67…
        "H4.1": 2, "H4.2": 2, "H4.3": 2, "H4.4": 2, "H4.5": 2,
        # H5: H5.1 not applicable, the 7 others fully → 100
        "H5.1": "na", "H5.2": 3, "H5.3": 3, "H5.4": 3, "H5.5": 3, "H5.6": 3, "H5.7": 3,
        "H5.8": 3,
        # H6 = 0
        "H6.1": 0, "H6.2": 0, "H6.3": 0,
        # H7: no mobile equipment at all → no score, leaves the overall
        "H7.1": "na", "H7.2": "na", "H7.3": "na", "H7.4": "na",
        # H8 = (2 × 1 + 1 × 0) / 3 = 2/3 → 66.67…
        "H8.1": 3, "H8.2": 0,
        # H9 = (1 + 2 × 1 + 0 + 1 + 0 [H9.5 unanswered]) / 6 = 4/6 → 66.67…
        "H9.1": 3, "H9.2": 3, "H9.3": 0, "H9.4": 3,
        # H10 = (1/3 + 2/3) / 2 = 1/2 → 50
        "H10.1": 1, "H10.2": 2,
    }  # fmt: skip
    expected = {
        "H1": 100 / 3, "H2": 100.0, "H3": 500 / 7, "H4": 200 / 3, "H5": 100.0,
        "H6": 0.0, "H7": None, "H8": 200 / 3, "H9": 200 / 3, "H10": 50.0,
    }  # fmt: skip
    result = score_checklist(flash, answers)
    assert chapter_scores(result) == pytest.approx(expected)
    # overall = Σ weight × score / Σ weight over the 9 scored chapters (weights 14 − 1 = 13)
    #   = (100/3 + 100 + 2×500/7 + 200/3 + 100 + 0 + 2×200/3 + 2×200/3 + 50) / 13
    #   = (1100/3 + 250 + 1000/7) / 13 = (7700 + 5250 + 3000) / 21 / 13 = 15950/273
    #   = 58.42… → level 2 "Fragile" (40 ≤ s < 60)
    assert result.overall == pytest.approx(15950 / 273)
    assert result.maturity is not None and (result.maturity.level, result.maturity.label) == (
        2,
        "Fragile",
    )
    # 42 questions, H9.5 unanswered ("na" counts as answered)
    assert (result.answered, result.questions, result.complete) == (41, 42, False)
