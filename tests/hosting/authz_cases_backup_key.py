"""Authorization-matrix example for ``POST /hosting/tenants/{finess}/backup-key/rotate``
(operators only): the tenant's backup policy uses its password file, so the rotation is
queued (202); nothing is contacted until a worker runs it."""

from __future__ import annotations

from sqlalchemy import update

from controlplane.db import Scope
from controlplane.models import Tenant
from hosting.backup.keys import reference_for
from hosting.backup.models import BackupPolicy
from tests.hosting.authz_cases_backups import backup_subscription
from tests.support.authz import Case, World

ROTATE = "/api/v1/hosting/tenants/{finess}/backup-key/rotate"


def rotatable(w: World, t: Tenant) -> str:
    """The rotation URL of ``t``, which has a backup policy on its own password file."""
    subscription_id = backup_subscription(w, t)
    with w.database.transaction(scope=Scope.unrestricted()) as db:
        db.execute(update(BackupPolicy).where(BackupPolicy.subscription_id == subscription_id)
                   .values(password_ref=reference_for(t.finess)))
    return ROTATE.format(finess=t.finess)


CASES: dict[tuple[str, str], Case] = {
    ("POST", ROTATE): Case(lambda w, t: (rotatable(w, t), None), success=202, tenant_bound=True),
}
