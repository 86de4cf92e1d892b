"""The SSI plane: the regional security officer's tools, one feature package each.

- ``ssi.library``: versioned framework files (Hôpital numérique prerequisites, CaRE,
  the diagnostic flash checklist, the PGSSI-S PSSI skeleton, HDS v2) shipped in
  ``ssi/library/frameworks/`` plus ``$SOCLE_DATA_DIR/frameworks``, loaded once at start
  (``ssi.library.service.library()``), and checklist scoring;
- ``ssi.campaigns``: diagnostic flash campaigns and assessments;
- ``ssi.risks``: EBIOS RM risk studies; ``ssi.pssi``: PSSI drafts;
- ``ssi.tracker``: the HN / CaRE tracker with automatic evidence, and the regional view;
- ``ssi.checks``: technical checks of establishments' exposed endpoints.
"""

from ssi import models as _models  # noqa: F401  (registers every feature's tables)
from ssi.campaigns import flows as _campaigns_flows  # noqa: F401  (registers the reminder job kind)
from ssi.checks import flows as _checks_flows  # noqa: F401  (registers the check job kind)
