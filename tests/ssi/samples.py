"""Small framework files for the tests, and helpers to write them and find their lines."""

from __future__ import annotations

from pathlib import Path

INDICATORS = """\
id: demo
version: "1"
kind: indicators
title: Démo
source: Document de test
chapters:
  - id: A
    title: Chapitre A
    source: Document de test, chapitre A
    verified: true
    items:
      - id: A.1
        title: Premier indicateur
        kind: usage
        unit: "%"
        target: {operator: ">=", value: 90}
        evidence:
          - {key: hosting.restore_test, max_age_days: 365}
        source: Document de test, A.1
        verified: true
      - id: A.2
        title: Second indicateur
        kind: organisation
        unit: oui/non
        target: {operator: "=", value: oui}
        source: Document de test, A.2
        verified: false
"""

# Chapter A (weight 1): A1 (weight 1), A2 (weight 3); chapter B (weight 2): B1, B2
# (weight 1), B3 (weight 2). Scale 0..2 with "na"; maturity 1 from 0, 2 from 50, 3 from 75.
CHECKLIST = """\
id: mini-flash
version: "1.0"
kind: checklist
title: Mini diagnostic
source: Document de test
scale:
  not_applicable: true
  levels:
    - {value: 0, label: Non}
    - {value: 1, label: Partiellement}
    - {value: 2, label: Oui}
maturity:
  - {level: 1, label: Bas, min_score: 0}
  - {level: 2, label: Moyen, min_score: 50}
  - {level: 3, label: Haut, min_score: 75}
chapters:
  - id: A
    title: Chapitre A
    weight: 1
    source: Document de test, chapitre A
    verified: true
    items:
      - {id: A1, text: "Question A1 ?", weight: 1, source: Document de test, verified: true}
      - {id: A2, text: "Question A2 ?", weight: 3, source: Document de test, verified: true}
  - id: B
    title: Chapitre B
    weight: 2
    source: Document de test, chapitre B
    verified: true
    items:
      - {id: B1, text: "Question B1 ?", source: Document de test, verified: true}
      - {id: B2, text: "Question B2 ?", source: Document de test, verified: true}
      - {id: B3, text: "Question B3 ?", weight: 2, source: Document de test, verified: true}
"""


def write(directory: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``directory/name`` (creating folders) and return the path."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line of ``text`` containing ``needle``."""
    hits = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def replace_once(text: str, old: str, new: str) -> str:
    """``text`` with its single occurrence of ``old`` replaced (fails loudly otherwise)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)
