"""Stable error codes of the SSI plane (``SSI-xxxx``), the errors it raises, and
``store``: the plane's rows found and audited with these errors.

Codes never change meaning; runbooks may match on them. A failing framework file is
reported as a :class:`Problem` naming the file and the line; every problem found at
start is gathered into one :class:`FrameworkLibraryError`, so an operator fixes them all
in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from controlplane import rows
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

# diagnostic flash campaigns
CAMPAIGN_NOT_FOUND = "SSI-0201"  # no such campaign / assessment (or another tenant's)
CAMPAIGN_CLOSED = "SSI-0202"  # the campaign no longer accepts answers
ALREADY_SUBMITTED = "SSI-0203"  # a submitted assessment is final
INCOMPLETE = "SSI-0204"  # submitting with unanswered questions
DUPLICATE_NAME = "SSI-0205"  # a campaign of that name exists
UNKNOWN_TENANT = "SSI-0206"  # a campaign names an establishment Socle does not know
PAST_DEADLINE = "SSI-0207"  # a campaign's deadline lies in the past

# EBIOS RM risk studies
STUDY_NOT_FOUND = "SSI-0301"  # no such study (or another tenant's)
INVALID_STUDY = "SSI-0302"  # duplicate id or dangling reference in the workshops
UNKNOWN_RESOURCE = "SSI-0303"  # a supporting asset names a Socle resource that is not there
DUPLICATE_TITLE = "SSI-0304"  # the establishment already has a study with that title

# PSSI drafts
TENANT_NOT_FOUND = "SSI-0401"  # no such establishment (or another tenant's)

# the HN / CaRE tracker
UNKNOWN_ITEM = "SSI-0601"  # the tracked framework has no such item (404)
UNTRACKED_FRAMEWORK = "SSI-0602"  # the framework is not one the tracker follows (404)
BAD_DECLARATION = "SSI-0603"  # a declared value that does not fit the item (422)

# technical checks
UNKNOWN_TARGET = "SSI-0701"  # no such endpoint for this establishment (404)
DUPLICATE_TARGET = "SSI-0702"  # the establishment already declared an endpoint of that name
NOTHING_TO_CHECK = "SSI-0703"  # the establishment declared no endpoint
NOT_PUBLIC = "SSI-0704"  # the endpoint is (or resolves to) a non-public address (422)

NOT_FOUND = {
    "campaign": CAMPAIGN_NOT_FOUND,
    "assessment": CAMPAIGN_NOT_FOUND,
    "risk-study": STUDY_NOT_FOUND,
    "declaration": UNKNOWN_ITEM,
    "check-target": UNKNOWN_TARGET,
    "check-result": UNKNOWN_TARGET,
}


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


def not_found(kind: str, ident: object) -> NotFound:
    """404 for a missing (or another tenant's) object of ``kind``."""
    return NotFound(detail=f"no {kind} {ident}", code=NOT_FOUND[kind])


store = rows.PlaneRows("ssi", not_found)
