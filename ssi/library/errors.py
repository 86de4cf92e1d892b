"""Stable error codes of the frameworks library (``SSI-01xx``) and the errors it raises.

Codes never change meaning; runbooks may match on them. A failing framework file is
reported as a :class:`Problem` naming the file and the line; every problem found at
start is gathered into one :class:`FrameworkLibraryError`, so an operator fixes them all
in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from controlplane.errors import FieldError, InvalidInput, NotFound

LIBRARY_INVALID = "SSI-0100"  # the library could not be loaded (see the problems)
INVALID_FILE = "SSI-0101"  # a framework file cannot be read, parsed or validated
DUPLICATE_VERSION = "SSI-0102"  # two files define the same (framework id, version)
KIND_CHANGED = "SSI-0103"  # two versions of one framework declare different kinds
MISSING_DIRECTORY = "SSI-0104"  # a frameworks directory given to the loader does not exist
UNKNOWN_FRAMEWORK = "SSI-0111"  # no framework with that id (404)
UNKNOWN_VERSION = "SSI-0112"  # the framework exists, not in that version (404)
NOT_A_CHECKLIST = "SSI-0113"  # a checklist was asked for, the framework is another kind
UNKNOWN_QUESTION = "SSI-0121"  # an answer names a question the checklist does not have
OUT_OF_SCALE = "SSI-0122"  # an answer's value is not on the checklist's scale


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one framework file, located by path and (when known) line."""

    code: str
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.code} {self.message}"


@dataclass
class FrameworkLibraryError(InvalidInput):
    """The frameworks library refused one or more files; ``problems`` lists each."""

    problems: tuple[Problem, ...] = ()

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> FrameworkLibraryError:
        """One error carrying every problem, each also as a field error ``path:line``."""
        found = tuple(problems)
        lines = "\n".join(f"  {problem}" for problem in found)
        return cls(
            detail=f"{len(found)} problem(s) in the frameworks library:\n{lines}",
            code=LIBRARY_INVALID,
            errors=[
                FieldError(
                    f"{p.path}:{p.line}" if p.line is not None else str(p.path),
                    f"{p.code} {p.message}",
                )
                for p in found
            ],
            problems=found,
        )


def unknown_framework(framework_id: str) -> NotFound:
    """404 for a framework id the library does not hold."""
    return NotFound(detail=f"no framework {framework_id}", code=UNKNOWN_FRAMEWORK)


def unknown_version(framework_id: str, version: str) -> NotFound:
    """404 for a version the library does not hold of a known framework."""
    return NotFound(
        detail=f"no version {version} of framework {framework_id}", code=UNKNOWN_VERSION
    )


def not_a_checklist(framework_id: str, kind: str) -> InvalidInput:
    """422 when a checklist is needed and the framework is of another kind."""
    return InvalidInput.on(
        "framework", f"{framework_id} is a {kind} framework, not a checklist", code=NOT_A_CHECKLIST
    )
