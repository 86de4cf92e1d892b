"""The SSI plane's tables, registered in the shared metadata (Alembic and the app see
them): each feature's ``models`` module is imported here, nothing else. Every table
holding an establishment's data is ``TenantScoped``."""

from ssi.campaigns import models as _campaigns  # noqa: F401
from ssi.checks import models as _checks  # noqa: F401
from ssi.risks import models as _risks  # noqa: F401
from ssi.tracker import models as _tracker  # noqa: F401
