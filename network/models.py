"""The network plane's tables, registered in the shared metadata (Alembic and the app see
them): each feature's ``models`` module is imported here, nothing else."""

from network.config import models as _config  # noqa: F401
from network.inventory import models as _inventory  # noqa: F401
from network.ipam import models as _ipam  # noqa: F401
from network.polling import models as _polling  # noqa: F401
from network.sla import models as _sla  # noqa: F401
