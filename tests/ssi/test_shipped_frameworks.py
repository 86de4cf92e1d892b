"""Every framework shipped in ssi/library/frameworks/ loads, follows the conventions, and says
honestly which of its items still need checking against their source."""

from __future__ import annotations

import pytest

from ssi.library import (
    EVIDENCE_KEYS,
    SHIPPED_DIR,
    ChecklistFramework,
    FrameworkLibrary,
    IndicatorFramework,
    RequirementFramework,
    SkeletonFramework,
    load_library,
)


@pytest.fixture(scope="module")
def library() -> FrameworkLibrary:
    return load_library()


def test_every_shipped_file_loads(library: FrameworkLibrary) -> None:
    files = sorted(SHIPPED_DIR.rglob("*.yaml"))
    assert len(files) == len(library) == 6
    assert {(f.id, f.version, f.kind) for f in library} == {
        ("hn-prerequis", "2012", "indicators"),
        ("care-d2", "2024", "requirements"),
        ("care-d1", "2024", "requirements"),
        ("hygiene-checklist", "1.0", "checklist"),
        ("pgssi-s-pssi-skeleton", "1.0", "skeleton"),
        ("hds", "2024", "requirements"),
    }


def test_shipped_files_are_named_id_slash_version(library: FrameworkLibrary) -> None:
    for framework in library:
        path = SHIPPED_DIR / framework.id / f"{framework.version}.yaml"
        assert path.is_file(), path


def test_item_counts(library: FrameworkLibrary) -> None:
    counts = {f.id: (len(f.chapters), len(f.all_items())) for f in library}
    assert counts == {
        "hn-prerequis": (3, 11),
        "care-d2": (5, 13),
        "care-d1": (1, 2),
        "hygiene-checklist": (10, 42),
        "pgssi-s-pssi-skeleton": (7, 21),
        "hds": (6, 19),
    }


def test_hn_prerequisites_carry_kind_unit_target(library: FrameworkLibrary) -> None:
    hn = library.get("hn-prerequis", "2012")
    assert isinstance(hn, IndicatorFramework)
    assert [chapter.id for chapter in hn.chapters] == ["P1", "P2", "P3"]
    indicators = {item.id: item for chapter in hn.chapters for item in chapter.items}
    assert list(indicators) == [
        "P1.1", "P1.2", "P1.3", "P1.4", "P2.1", "P2.2", "P2.3", "P3.1", "P3.2", "P3.3", "P3.4",
    ]  # fmt: skip
    for indicator in indicators.values():
        if indicator.kind == "organisation":
            assert (indicator.unit, indicator.target.operator, indicator.target.value) == (
                "oui/non", "=", "oui",
            )  # fmt: skip
        else:
            assert indicator.unit == "%" and isinstance(indicator.target.value, float)
    # P2: the prerequisites Socle can back with its own measurements
    assert [e.key for e in indicators["P2.1"].evidence] == ["hosting.dr_plan"]
    assert [(e.key, e.max_age_days) for e in indicators["P2.2"].evidence] == [
        ("network.availability", 62), ("apps.availability", 62),
    ]  # the network's and the regional services' measured availability


def test_care_domain_2_evidence(library: FrameworkLibrary) -> None:
    care = library.get("care-d2")
    assert isinstance(care, RequirementFramework)
    evidence = {
        item.id: [(e.key, e.max_age_days) for e in item.evidence]
        for chapter in care.chapters
        for item in chapter.items
    }
    assert evidence["D2.O3.c"] == [("hosting.immutable_copy", 7)]
    assert evidence["D2.O3.d"] == [("hosting.backup_supervision", 7)]
    assert evidence["D2.O4"] == [("hosting.restore_test", 365)]
    assert evidence["D2.O1.d"] == [("hosting.dr_exercise", 365)]


def test_every_evidence_key_is_used_by_a_shipped_framework(library: FrameworkLibrary) -> None:
    used = {
        reference.key
        for framework in library
        for item in framework.all_items()
        for reference in getattr(item, "evidence", ())
    }
    assert used == set(EVIDENCE_KEYS)


def test_hygiene_checklist_follows_the_anssi_guide(library: FrameworkLibrary) -> None:
    flash = library.checklist("hygiene-checklist")
    assert isinstance(flash, ChecklistFramework)
    # ten chapters of the guide, and how many of the 42 measures each holds
    assert [len(chapter.items) for chapter in flash.chapters] == [3, 4, 6, 5, 8, 3, 4, 2, 5, 2]
    # one question per measure, in the guide's order
    for number, question in enumerate(flash.all_items(), 1):
        assert question.source.endswith(f"mesure {number}"), question.id
    assert flash.scale.values == (0, 1, 2, 3) and flash.scale.not_applicable
    assert [(m.level, m.min_score) for m in flash.maturity] == [(1, 0), (2, 40), (3, 60), (4, 80)]


def test_pssi_skeleton_has_the_seven_pgssi_s_chapters(library: FrameworkLibrary) -> None:
    skeleton = library.get("pgssi-s-pssi-skeleton")
    assert isinstance(skeleton, SkeletonFramework)
    assert [chapter.title for chapter in skeleton.chapters] == [
        "Cadre juridique et réglementaire",
        "Organisation de la sécurité",
        "Sécurité physique",
        "Sécurité des infrastructures",
        "Gestion des accès",
        "Achats et relations avec les prestataires",
        "Gestion des incidents",
    ]
    assert all(section.guidance for chapter in skeleton.chapters for section in chapter.items)


UNVERIFIED = {
    "hn-prerequis": {"P1.1", "P1.2", "P1.3", "P1.4", "P3.1", "P3.2", "P3.3", "P3.4"},
    "care-d2": {"D2.P2", "D2.O2.a"},
    "care-d1": {"D1.E1", "D1.E2"},  # Socle's proposal for the Internet-exposure items
    "hds": {"HDS-LOC-4"},
    "hygiene-checklist": set(),
    # every section is a Socle proposal until matched against the PGSSI-S template
    "pgssi-s-pssi-skeleton": {
        f"C{chapter}.{section}"
        for chapter, sections in enumerate([3, 4, 2, 4, 3, 2, 3], 1)
        for section in range(1, sections + 1)
    },
}


def test_items_still_to_verify(library: FrameworkLibrary) -> None:
    """The list the closing note reports: changing a ``verified`` flag is deliberate."""
    unverified = {
        framework.id: {item.id for item in framework.all_items() if not item.verified}
        for framework in library
    }
    assert unverified == UNVERIFIED
    assert sum(len(ids) for ids in unverified.values()) == 34
    for framework in library:
        for entry in [*framework.chapters, *framework.all_items()]:
            assert entry.source.strip(), entry.id
            if not entry.verified:
                assert entry.note, f"{framework.id} {entry.id}: say what remains to verify"
    # chapters themselves (programme domains, guide chapters) are all checked
    assert all(chapter.verified for framework in library for chapter in framework.chapters)
