"""The apps plane's tables, registered in the shared metadata (Alembic and the app see
them): each feature's ``models`` module is imported here, nothing else."""

from apps.deployments import models as _deployments  # noqa: F401
from apps.enrolments import models as _enrolments  # noqa: F401
from apps.targets import models as _targets  # noqa: F401
