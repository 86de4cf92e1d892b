"""FINESS numbers and French department codes.

A FINESS number has 9 characters: the department (two characters, ``2A``/``2B`` for
Corsica; ``97`` followed by a digit overseas), six more digits, and a Luhn check key
computed over all nine characters once ``2A`` is read as ``21`` and ``2B`` as ``22``.
"""

from __future__ import annotations

import re

OVERSEAS_DEPARTMENTS = frozenset({"971", "972", "973", "974", "975", "976"})
METROPOLITAN_DEPARTMENTS = frozenset([f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"])
DEPARTMENTS = METROPOLITAN_DEPARTMENTS | OVERSEAS_DEPARTMENTS

_FINESS_SHAPE = re.compile(r"^(?:\d{2}|2[AB])\d{7}$")


class InvalidFiness(ValueError):
    """The text is not a valid FINESS number; the message says why."""


def luhn_is_valid(digits: str) -> bool:
    """True when ``digits`` (its last digit being the key) passes the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_key(digits_without_key: str) -> str:
    """The Luhn key digit to append to ``digits_without_key``."""
    for key in "0123456789":
        if luhn_is_valid(digits_without_key + key):
            return key
    raise AssertionError("unreachable: one Luhn key always exists")


def _numeric(finess: str) -> str:
    return (
        finess.replace("2A", "21", 1).replace("2B", "22", 1)
        if finess[:2] in ("2A", "2B")
        else finess
    )


def department_of(finess: str) -> str:
    """The department a (well-formed) FINESS number belongs to: ``75``, ``2A``, ``974``..."""
    return finess[:3] if finess.startswith("97") else finess[:2]


def validate_finess(value: str) -> str:
    """Return the normalised FINESS (upper case) or raise :class:`InvalidFiness`."""
    finess = value.strip().upper()
    if len(finess) != 9:
        raise InvalidFiness(f"a FINESS number has 9 characters, got {len(finess)}")
    if not _FINESS_SHAPE.match(finess):
        raise InvalidFiness(
            "a FINESS number is 9 digits, or 2A/2B followed by 7 digits for Corsica"
        )
    department = department_of(finess)
    if department not in DEPARTMENTS:
        raise InvalidFiness(f"unknown department prefix {department!r}")
    if not luhn_is_valid(_numeric(finess)):
        raise InvalidFiness("the check key (last character) does not match: mistyped number?")
    return finess


def make_finess(department: str, serial: int) -> str:
    """A valid FINESS number for ``department`` with the given serial (demo and tests)."""
    if department not in DEPARTMENTS:
        raise ValueError(f"unknown department {department!r}")
    body_length = 8 - len(department)
    body = f"{department}{serial:0{body_length}d}"
    if len(body) != 8:
        raise ValueError("serial too large for this department")
    return body + luhn_key(_numeric(body))


def validate_department(value: str) -> str:
    """Return the normalised department code or raise ``ValueError``."""
    department = value.strip().upper()
    if len(department) == 1 and department.isdigit():
        department = "0" + department
    if department not in DEPARTMENTS:
        raise ValueError(
            f"unknown department {value!r}: expected 01-95 (not 20), 2A, 2B or 971-976"
        )
    return department
