"""The library merges the operator's directory, picks the latest version, and keeps
every version reachable (assessments keep the version they were made against)."""

from __future__ import annotations

from pathlib import Path

import pytest

from controlplane.errors import InvalidInput, NotFound
from ssi.errors import NOT_A_CHECKLIST, UNKNOWN_FRAMEWORK, UNKNOWN_VERSION
from ssi.library import (
    SHIPPED_DIR,
    ChecklistFramework,
    IndicatorFramework,
    Target,
    load_library,
)
from tests.ssi.samples import CHECKLIST, INDICATORS, replace_once, write


def test_extra_directory_is_merged_with_the_shipped_files(tmp_path: Path) -> None:
    shipped = (SHIPPED_DIR / "hn-prerequis" / "2012.yaml").read_text(encoding="utf-8")
    corrected = replace_once(shipped, 'version: "2012"', 'version: "2012.1"')
    write(tmp_path, "corrections/hn-2012.1.yaml", corrected)
    write(tmp_path, "local/demo.yml", INDICATORS)  # .yml too, any depth
    write(tmp_path, ".drafts/broken.yaml", "not: [valid")  # hidden: ignored
    write(tmp_path, "notes.txt", "not a framework")

    library = load_library(tmp_path)

    assert "demo" in library.ids()
    assert {"care-d2", "hds", "hn-prerequis", "hygiene-checklist"} <= set(library.ids())
    assert library.versions("hn-prerequis") == ("2012", "2012.1")
    assert library.latest("hn-prerequis").version == "2012.1"
    assert library.get("hn-prerequis").version == "2012.1"
    assert library.get("hn-prerequis", "2012").version == "2012"
    assert len(library) == len(load_library()) + 2


def test_versions_compare_as_numbers(tmp_path: Path) -> None:
    for version in ("2", "1.10", "1.9", "1"):
        write(tmp_path, f"demo/{version}.yaml", replace_once(INDICATORS, '"1"', f'"{version}"'))
    library = load_library(shipped_dir=tmp_path)
    assert library.versions("demo") == ("1", "1.9", "1.10", "2")
    assert library.latest("demo").version == "2"
    assert [f.version for f in library] == ["1", "1.9", "1.10", "2"]


def test_unknown_framework_or_version(tmp_path: Path) -> None:
    write(tmp_path, "demo/1.yaml", INDICATORS)
    library = load_library(shipped_dir=tmp_path)
    with pytest.raises(NotFound) as unknown_id:
        library.get("nope")
    assert unknown_id.value.code == UNKNOWN_FRAMEWORK
    with pytest.raises(NotFound) as unknown_version:
        library.get("demo", "7")
    assert unknown_version.value.code == UNKNOWN_VERSION


def test_checklist_lookup_is_typed(tmp_path: Path) -> None:
    write(tmp_path, "demo/1.yaml", INDICATORS)
    write(tmp_path, "mini-flash/1.0.yaml", CHECKLIST)
    library = load_library(shipped_dir=tmp_path)
    assert isinstance(library.checklist("mini-flash"), ChecklistFramework)
    assert isinstance(library.get("demo"), IndicatorFramework)
    with pytest.raises(InvalidInput) as wrong_kind:
        library.checklist("demo")
    assert wrong_kind.value.code == NOT_A_CHECKLIST


def test_frameworks_are_frozen(tmp_path: Path) -> None:
    write(tmp_path, "demo/1.yaml", INDICATORS)
    framework = load_library(shipped_dir=tmp_path).get("demo")
    with pytest.raises(ValueError, match="frozen"):
        framework.title = "changed"


@pytest.mark.parametrize(
    ("operator", "value", "measured", "met"),
    [
        (">=", 90, 90, True),
        (">=", 90, 89.9, False),
        (">", 90, 90, False),
        ("<=", 4, 4, True),
        ("<", 4, 4, False),
        (">=", 90, "oui", False),  # a word never reaches a numeric target
        (">=", 1, True, False),  # nor does a boolean
        ("=", "oui", "oui", True),
        ("=", "oui", "non", False),
    ],
)
def test_target_is_met(operator: str, value: float | str, measured: float | str, met: bool) -> None:
    target = Target.model_validate({"operator": operator, "value": value})
    assert target.is_met(measured) is met
