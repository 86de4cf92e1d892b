"""The SSI plane: the regional security officer's tools.

Frameworks library (``ssi.library``, data in ``ssi/frameworks/``): versioned framework
files (Hôpital numérique prerequisites, CaRE domain 2, the diagnostic flash checklist,
the PGSSI-S PSSI skeleton, HDS v2), loaded and validated at start, and checklist scoring.
Still to come (issue 6): diagnostic flash campaigns, EBIOS RM risk studies, the HN /
CaRE tracker with automatic evidence, PSSI drafts, the regional view and technical checks.
"""

from ssi import campaigns_reminders as _campaigns_reminders  # noqa: F401  (job kind)
from ssi.checks import service as _checks  # noqa: F401  (registers the check job kind)
