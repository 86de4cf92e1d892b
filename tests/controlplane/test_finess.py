"""FINESS numbers and department codes."""

from __future__ import annotations

import pytest

from controlplane.finess import (
    InvalidFiness,
    department_of,
    make_finess,
    validate_department,
    validate_finess,
)


@pytest.mark.parametrize(
    "finess",
    ["750712184", "690781810", "2A0012340", "2B0012348", "974012346", "010012342"],
)
def test_valid_numbers_pass(finess: str) -> None:
    assert validate_finess(finess) == finess


def test_lower_case_corsica_is_normalised() -> None:
    assert validate_finess(" 2a0012340 ") == "2A0012340"


@pytest.mark.parametrize(
    ("finess", "reason"),
    [
        ("75071218", "9 characters"),
        ("7507121845", "9 characters"),
        ("750712185", "check key"),
        ("2C0012340", "9 digits"),
        ("200012344", "department"),
        ("977012345", "department"),
        ("960012345", "department"),
        ("75071218A", "9 digits"),
    ],
)
def test_invalid_numbers_say_why(finess: str, reason: str) -> None:
    with pytest.raises(InvalidFiness, match=reason):
        validate_finess(finess)


def test_corsica_key_reads_2a_as_21() -> None:
    # 2A001234 -> 21001234: the key making 21001234k pass Luhn is the key of 2A001234k.
    finess = make_finess("2A", 1234)
    assert finess.startswith("2A")
    with pytest.raises(InvalidFiness):
        validate_finess(finess[:-1] + str((int(finess[-1]) + 1) % 10))


def test_overseas_department_has_three_digits() -> None:
    assert department_of("974012346") == "974"
    assert department_of("750712184") == "75"


@pytest.mark.parametrize(("raw", "expected"), [("1", "01"), ("2a", "2A"), ("974", "974")])
def test_departments_are_normalised(raw: str, expected: str) -> None:
    assert validate_department(raw) == expected


@pytest.mark.parametrize("raw", ["20", "96", "977", "ZZ", ""])
def test_unknown_departments_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="unknown department"):
        validate_department(raw)
