"""A broken framework file stops the load, and the error names the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssi.errors import (
    DUPLICATE_VERSION,
    INVALID_FILE,
    KIND_CHANGED,
    LIBRARY_INVALID,
    MISSING_DIRECTORY,
)
from ssi.library import FrameworkLibraryError, load_library
from tests.ssi.samples import CHECKLIST, INDICATORS, line_of, replace_once, write


def load_failure(shipped: Path, extra: Path | None = None) -> FrameworkLibraryError:
    with pytest.raises(FrameworkLibraryError) as caught:
        load_library(extra, shipped_dir=shipped)
    assert caught.value.code == LIBRARY_INVALID
    return caught.value


def only_problem(tmp_path: Path, text: str) -> tuple[Path, int | None, str]:
    path = write(tmp_path, "demo/1.yaml", text)
    error = load_failure(tmp_path)
    assert len(error.problems) == 1, error.problems
    problem = error.problems[0]
    assert problem.path == path
    assert problem.code == INVALID_FILE
    # the same location travels in the generic error fields (API problem+json, CLI)
    assert error.errors[0].field == f"{path}:{problem.line}"
    assert f"{path}:{problem.line}" in str(error)
    return problem.path, problem.line, problem.message


def test_valid_sample_loads(tmp_path: Path) -> None:
    write(tmp_path, "demo/1.yaml", INDICATORS)
    write(tmp_path, "mini-flash/1.0.yaml", CHECKLIST)
    assert load_library(shipped_dir=tmp_path).ids() == ("demo", "mini-flash")


def test_duplicate_item_id_points_at_the_second(tmp_path: Path) -> None:
    text = replace_once(INDICATORS, "- id: A.2", "- id: A.1")
    _, line, message = only_problem(tmp_path, text)
    assert line == line_of(text, "- id: A.1", occurrence=2)
    assert "item id 'A.1' already used at line" in message
    assert f"line {line_of(text, '- id: A.1')}" in message
    assert message.startswith("chapters[0].items[1].id:")


def test_duplicate_chapter_id(tmp_path: Path) -> None:
    second = (
        "  - id: A\n    title: Encore A\n    source: Document de test\n    verified: true\n"
        "    items:\n      - id: B.1\n        title: Autre\n        kind: organisation\n"
        '        unit: oui/non\n        target: {operator: "=", value: oui}\n'
        "        source: Document de test\n        verified: true\n"
    )
    text = INDICATORS + second
    _, line, message = only_problem(tmp_path, text)
    assert line == line_of(text, "title: Encore A") - 1
    assert "chapter id 'A'" in message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # a rate above 100 %
        ("value: 90}", "value: 150}", "a rate in % lies between 0 and 100, not 150"),
        # a usage indicator compared with '='
        ('{operator: ">=", value: 90}', '{operator: "=", value: 90}', "uses >=, >, <= or <"),
        # a usage indicator with a word for target
        ('{operator: ">=", value: 90}', '{operator: ">=", value: oui}', "must be a number"),
        # an operator that does not exist
        ('{operator: ">=", value: 90}', '{operator: "~", value: 90}', "operator"),
        # a boolean where a number is expected
        ('{operator: ">=", value: 90}', '{operator: ">=", value: true}', "number or a word"),
    ],
)
def test_bad_usage_target(tmp_path: Path, old: str, new: str, expected: str) -> None:
    text = replace_once(INDICATORS, old, new)
    _, line, message = only_problem(tmp_path, text)
    assert line == line_of(text, "target:", occurrence=1)
    assert message.startswith("chapters[0].items[0].target")
    assert expected in message


def test_bad_organisation_target(tmp_path: Path) -> None:
    text = replace_once(INDICATORS, '{operator: "=", value: oui}', '{operator: ">=", value: 1}')
    _, line, message = only_problem(tmp_path, text)
    assert line == line_of(text, "target:", occurrence=2)
    assert "organisation indicator's target" in message


def test_organisation_indicator_needs_yes_no_unit(tmp_path: Path) -> None:
    text = replace_once(INDICATORS, "unit: oui/non", 'unit: "%"')
    _, line, message = only_problem(tmp_path, text)
    assert line == line_of(text, "unit:", occurrence=2)
    assert "unit 'oui/non'" in message


def test_unknown_kind(tmp_path: Path) -> None:
    text = replace_once(INDICATORS, "kind: indicators", "kind: scorecard")
    _, line, message = only_problem(tmp_path, text)
    assert line == 3
    assert "unknown ('scorecard')" in message
    assert "checklist, indicators, requirements, skeleton" in message


def test_missing_kind(tmp_path: Path) -> None:
    text = replace_once(INDICATORS, "kind: indicators\n", "")
    _, line, message = only_problem(tmp_path, text)
    assert line == 1
    assert "kind: missing" in message


def test_yaml_syntax_error(tmp_path: Path) -> None:
    text = replace_once(INDICATORS, "title: Second indicateur", "title: Second: indicateur")
    _, line, message = only_problem(tmp_path, text)
    assert line == line_of(text, "title: Second: indicateur")
    assert message.startswith("YAML syntax:")


def test_key_written_twice(tmp_path: Path) -> None:
    text = replace_once(
        INDICATORS, "title: Second indicateur\n", "title: Second indicateur\n        title: Bis\n"
    )
    _, line, message = only_problem(tmp_path, text)
    assert line == line_of(text, "title: Bis")
    assert "'title' appears twice" in message


def test_missing_field_points_at_its_item(tmp_path: Path) -> None:
    text = replace_once(INDICATORS, "        source: Document de test, A.2\n", "")
    _, line, message = only_problem(tmp_path, text)
    assert line == line_of(text, "- id: A.2")
    assert message == "chapters[0].items[1].source: Field required"


def test_misspelt_key_is_refused(tmp_path: Path) -> None:
    text = replace_once(INDICATORS, "verified: false", "verifed: false")
    error = load_failure(write(tmp_path, "demo/1.yaml", text).parent.parent)
    lines = {(problem.line, problem.message) for problem in error.problems}
    assert (
        line_of(text, "verifed"),
        "chapters[0].items[1].verifed: Extra inputs are not permitted",
    ) in lines
    assert (line_of(text, "- id: A.2"), "chapters[0].items[1].verified: Field required") in lines


def test_unknown_evidence_key(tmp_path: Path) -> None:
    text = replace_once(INDICATORS, "hosting.restore_test", "hosting.restore_tests")
    _, line, message = only_problem(tmp_path, text)
    assert line == line_of(text, "hosting.restore_tests")
    assert "unknown evidence key 'hosting.restore_tests'" in message


def test_unquoted_version(tmp_path: Path) -> None:
    text = replace_once(INDICATORS, 'version: "1"', "version: 1.10")
    _, line, message = only_problem(tmp_path, text)
    assert line == 2
    assert "must be a quoted string" in message


def test_not_a_mapping_and_empty_file(tmp_path: Path) -> None:
    listing = write(tmp_path, "a.yaml", "- id: demo\n")
    empty = write(tmp_path, "b.yaml", "# nothing yet\n")
    error = load_failure(tmp_path)
    assert [(p.path, p.line) for p in error.problems] == [(listing, 1), (empty, None)]
    assert all("holds one mapping" in p.message for p in error.problems)


def test_bad_maturity_thresholds(tmp_path: Path) -> None:
    text = replace_once(CHECKLIST, "min_score: 75", "min_score: 40")
    path = write(tmp_path, "mini-flash/1.0.yaml", text)
    (problem,) = load_failure(tmp_path).problems
    assert (problem.path, problem.line) == (path, line_of(text, "maturity:"))
    assert "strictly increasing" in problem.message


def test_bad_scale(tmp_path: Path) -> None:
    text = replace_once(CHECKLIST, "{value: 2, label: Oui}", "{value: 1, label: Oui}")
    path = write(tmp_path, "mini-flash/1.0.yaml", text)
    (problem,) = load_failure(tmp_path).problems
    assert (problem.path, problem.line) == (path, line_of(text, "levels:"))
    assert "strictly increasing" in problem.message


def test_non_positive_weight(tmp_path: Path) -> None:
    text = replace_once(CHECKLIST, "weight: 3", "weight: 0")
    path = write(tmp_path, "mini-flash/1.0.yaml", text)
    (problem,) = load_failure(tmp_path).problems
    assert (problem.path, problem.line) == (path, line_of(text, "id: A2"))
    assert problem.message.startswith("chapters[0].items[1].weight:")


def test_every_bad_file_is_reported_at_once(tmp_path: Path) -> None:
    first = write(tmp_path, "demo/1.yaml", replace_once(INDICATORS, "value: 90}", "value: 150}"))
    second = write(tmp_path, "mini-flash/1.0.yaml", CHECKLIST.replace("title: Mini", "title:: x"))
    error = load_failure(tmp_path)
    assert {problem.path for problem in error.problems} == {first, second}


def test_same_id_and_version_twice_is_refused(tmp_path: Path) -> None:
    shipped, extra = tmp_path / "shipped", tmp_path / "extra"
    original = write(shipped, "demo/1.yaml", INDICATORS)
    copy = write(extra, "demo-copy.yaml", INDICATORS)
    error = load_failure(shipped, extra)
    (problem,) = error.problems
    assert (problem.code, problem.path) == (DUPLICATE_VERSION, copy)
    assert f"framework demo version 1 is already defined by {original}" in problem.message


def test_a_framework_keeps_its_kind_across_versions(tmp_path: Path) -> None:
    write(tmp_path, "demo/1.yaml", INDICATORS)
    requirements = """\
id: demo
version: "2"
kind: requirements
title: Démo
source: Document de test
chapters:
  - id: A
    title: A
    source: Document de test
    verified: true
    items:
      - {id: R1, title: Exigence, source: Document de test, verified: true}
"""
    second = write(tmp_path, "demo/2.yaml", requirements)
    (problem,) = load_failure(tmp_path).problems
    assert (problem.code, problem.path) == (KIND_CHANGED, second)


def test_missing_extra_directory(tmp_path: Path) -> None:
    write(tmp_path, "demo/1.yaml", INDICATORS)
    missing = tmp_path / "nowhere"
    (problem,) = load_failure(tmp_path, missing).problems
    assert (problem.code, problem.path) == (MISSING_DIRECTORY, missing)
