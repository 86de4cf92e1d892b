"""Authorization-matrix examples for the backup routes of the hosting plane.

The world's backup subscription has one bucket at a dead provider and a policy with a
recorded good backup, so starting a job only queues it (202) and nothing is contacted.
"""

from __future__ import annotations

from controlplane.db import Scope, utcnow
from controlplane.models import Tenant
from hosting.backup.models import BackupPolicy, BackupRepository, BackupRun
from hosting.subscriptions.models import Resource, Subscription
from tests.support.authz import Case, World

HOST = "/api/v1/hosting"
BACKUPS = f"{HOST}/backups"


def backup_subscription(w: World, t: Tenant, *, policy: bool = True) -> int:
    """An active backup subscription of ``t``: one bucket, a policy, one good snapshot."""
    provider = w.hosting.provider()
    offer = w.hosting.offer("backup")
    request = w.hosting.request(t)
    with w.database.transaction(scope=Scope.unrestricted()) as db:
        subscription = Subscription(tenant_id=t.id, request_id=request.id, offer_id=offer.id,
                                    parameters={}, monthly_cost_cents=0, state="active")
        db.add(subscription)
        db.flush()
        bucket = Resource(tenant_id=t.id, subscription_id=subscription.id, key="bucket-0",
                          kind="bucket", provider_id=provider.id, external_id="socle-authz-b",
                          details={"bucket": "socle-authz-b", "object_lock": False})
        db.add(bucket)
        db.flush()
        if policy:
            row = BackupPolicy(tenant_id=t.id, subscription_id=subscription.id,
                               source_path="/srv/data", executor={"kind": "local"},
                               password_ref="file:restic-authz.password", frequency_hours=24,
                               retention_days=30, rpo_hours=24)
            db.add(row)
            db.flush()
            repository = BackupRepository(tenant_id=t.id, policy_id=row.id, copy_index=0,
                                          resource_id=bucket.id, provider_id=provider.id,
                                          url="s3:http://127.0.0.1:9/socle-authz-b/restic")
            db.add(repository)
            db.flush()
            db.add(BackupRun(tenant_id=t.id, repository_id=repository.id, kind="backup",
                             state="succeeded", snapshot_id="0123abcd", checksums={},
                             details={}, finished_at=utcnow()))
        return subscription.id


def _sub(path: str, body: dict | None = None, *, policy: bool = True, success: int = 200,
         ) -> Case:
    return Case(lambda w, t: (f"{HOST}/subscriptions/{backup_subscription(w, t, policy=policy)}"
                              f"/{path}", body), success=success, tenant_bound=True)


CASES: dict[tuple[str, str], Case] = {
    ("PUT", f"{HOST}/subscriptions/{{subscription_id}}/backup-policy"): _sub(
        "backup-policy", {"source_path": "/srv/data"}, policy=False),
    ("GET", f"{HOST}/subscriptions/{{subscription_id}}/backup-policy"): _sub("backup-policy"),
    ("POST", f"{HOST}/subscriptions/{{subscription_id}}/backup"): _sub("backup", success=202),
    ("POST", f"{HOST}/subscriptions/{{subscription_id}}/retention"): _sub(
        "retention", success=202),
    ("POST", f"{HOST}/subscriptions/{{subscription_id}}/restore-test"): _sub(
        "restore-test", {"snapshot_id": "0123abcd"}, success=202),
    ("POST", f"{HOST}/subscriptions/{{subscription_id}}/check"): _sub(
        "check", {"subset_percent": 100}, success=202),
    ("GET", BACKUPS): Case(lambda w, t: (BACKUPS, None)),
    ("GET", f"{BACKUPS}/runs"): Case(lambda w, t: (f"{BACKUPS}/runs", None)),
    ("GET", f"{BACKUPS}/restore-tests"): Case(lambda w, t: (f"{BACKUPS}/restore-tests", None)),
    ("GET", f"{BACKUPS}/checks"): Case(lambda w, t: (f"{BACKUPS}/checks", None)),
    ("GET", f"{BACKUPS}/alerts"): Case(lambda w, t: (f"{BACKUPS}/alerts", None)),
    ("POST", f"{BACKUPS}/schedule"): Case(lambda w, t: (f"{BACKUPS}/schedule", None)),
}
