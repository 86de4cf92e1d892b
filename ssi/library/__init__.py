"""The SSI frameworks library: versioned framework files, loaded and validated at start.

Public surface for the rest of the SSI plane::

    library = load_library(extra_dir)          # FrameworkLibraryError lists every bad file:line
    hn = library.latest("hn-prerequis")        # or library.get("hn-prerequis", "2012")
    flash = library.checklist("hygiene-checklist")
    result = score_checklist(flash, {"H1.1": 3, "H1.2": "na"})

Assessments store the ``(framework id, version)`` they were made against and fetch that
exact version with :meth:`FrameworkLibrary.get`.
"""

from ssi.errors import FrameworkLibraryError, Problem
from ssi.library.catalog import SHIPPED_DIR, FrameworkLibrary, load_library
from ssi.library.evidence import EVIDENCE_KEYS
from ssi.library.framework_file import (
    Chapter,
    ChecklistChapter,
    ChecklistFramework,
    Entry,
    EvidenceRef,
    Framework,
    Indicator,
    IndicatorFramework,
    MaturityLevel,
    Question,
    Requirement,
    RequirementFramework,
    Scale,
    Section,
    SkeletonFramework,
    Target,
)
from ssi.library.scoring import (
    NOT_APPLICABLE,
    ChapterScore,
    ChecklistScore,
    maturity_for,
    score_checklist,
    validate_answers,
)

__all__ = [
    "EVIDENCE_KEYS",
    "NOT_APPLICABLE",
    "SHIPPED_DIR",
    "Chapter",
    "ChapterScore",
    "ChecklistChapter",
    "ChecklistFramework",
    "ChecklistScore",
    "Entry",
    "EvidenceRef",
    "Framework",
    "FrameworkLibrary",
    "FrameworkLibraryError",
    "Indicator",
    "IndicatorFramework",
    "MaturityLevel",
    "Problem",
    "Question",
    "Requirement",
    "RequirementFramework",
    "Scale",
    "Section",
    "SkeletonFramework",
    "Target",
    "load_library",
    "maturity_for",
    "score_checklist",
    "validate_answers",
]
