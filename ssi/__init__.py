"""The SSI plane: the regional security officer's tools.

Frameworks library (``ssi.library``, data in ``ssi/frameworks/``): versioned framework
files (Hôpital numérique prerequisites, CaRE domain 2, the diagnostic flash checklist,
the PGSSI-S PSSI skeleton, HDS v2), loaded once at start by ``ssi.service.library()``
(shipped files plus ``$SOCLE_DATA_DIR/frameworks``), and checklist scoring.
Diagnostic flash campaigns and assessments (``ssi.campaigns``), EBIOS RM risk studies
(``ssi.risks``), PSSI drafts (``ssi.pssi``); the HN / CaRE tracker with automatic
evidence, the regional view and technical checks (``ssi.tracker``, ``ssi.regional``,
``ssi.checks``).
"""

from ssi import campaigns_reminders as _campaigns_reminders  # noqa: F401  (job kind)
from ssi.checks import service as _checks  # noqa: F401  (registers the check job kind)
