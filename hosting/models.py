"""The hosting plane's tables, registered in the shared metadata (Alembic and the app see
them): each feature's ``models`` module is imported here, nothing else."""

from hosting.archive import models as _archive  # noqa: F401
from hosting.backup import models as _backup  # noqa: F401
from hosting.catalogue import models as _catalogue  # noqa: F401
from hosting.dr import models as _dr  # noqa: F401
from hosting.providers import models as _providers  # noqa: F401
from hosting.subscriptions import models as _subscriptions  # noqa: F401
