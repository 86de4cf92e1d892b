"""Backup policies: a subscription's backup tier made concrete, and its copies.

A policy takes frequency, retention, RPO and the immutable flag from the subscription's
offer (a ``backup`` tier); it adds what the tier cannot know: the path to back up and
where restic runs. Each bucket provisioned for the subscription becomes one copy (one
restic repository), the bucket under Object Lock being the immutable copy.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.rows import snapshot
from controlplane.settings import get_settings
from hosting import errors
from hosting.backup import keys, sources
from hosting.backup.models import BackupPolicy, BackupRepository
from hosting.backup.schemas import PolicyRead, PolicySet
from hosting.errors import store
from hosting.subscriptions.models import Subscription

FREQUENCY_HOURS = {"hourly": 1, "daily": 24, "weekly": 168}
REPOSITORY_PREFIX = "restic"


def repository_url(endpoint: str, bucket: str) -> str:
    """restic's URL of the repository kept in ``bucket`` at an S3 ``endpoint``."""
    return f"s3:{endpoint.rstrip('/')}/{bucket}/{REPOSITORY_PREFIX}"


def policy_of(db: Session, subscription_id: int) -> BackupPolicy:
    """The subscription's policy (404 if the subscription is not the caller's, or has none)."""
    subscription = store.get(db, Subscription, subscription_id)
    policy = db.scalar(
        select(BackupPolicy).where(BackupPolicy.subscription_id == subscription.id)
    )
    if policy is None:
        raise errors.not_found("backup-policy", subscription_id)
    return policy


def configure(
    db: Session, subscription: Subscription, body: PolicySet, *, actor: str
) -> BackupPolicy:
    """Create or update the subscription's policy and its copies (audited)."""
    offer = subscription.offer
    if offer.kind != "backup":
        raise errors.conflict(errors.WRONG_STATE, "subscription_id",
                              f"offer {offer.code} is a {offer.kind} offer, not a backup tier")
    if subscription.state != "active":
        raise errors.conflict(errors.WRONG_STATE, "subscription_id",
                              f"subscription {subscription.id} is {subscription.state}")
    buckets = [r for r in subscription.resources if r.kind == "bucket"]
    if not buckets:
        raise errors.conflict(errors.WRONG_STATE, "subscription_id",
                              f"subscription {subscription.id} has no bucket to back up into")
    policy = db.scalar(select(BackupPolicy).where(BackupPolicy.subscription_id == subscription.id))
    before = snapshot(policy, PolicyRead) if policy else None
    if policy is None:
        policy = BackupPolicy(tenant_id=subscription.tenant_id, subscription_id=subscription.id)
        db.add(policy)
    policy.source_path = sources.check_declared(body.source_path)
    policy.executor = body.executor.model_dump()
    policy.password_ref = keys.ensure_password(subscription.tenant.finess,
                                               get_settings().data_dir)
    policy.frequency_hours = FREQUENCY_HOURS.get(offer.backup_frequency or "daily", 24)
    policy.retention_days = offer.retention_days or 30
    policy.rpo_hours = offer.rpo_hours or policy.frequency_hours
    policy.restore_test_days = body.restore_test_days
    policy.immutable = offer.immutable
    policy.enabled = body.enabled
    db.flush()
    known = {r.resource_id for r in policy.repositories}
    for bucket in sorted(buckets, key=lambda r: r.key):
        if bucket.id in known:
            continue
        policy.repositories.append(
            BackupRepository(
                tenant_id=subscription.tenant_id,
                copy_index=int(bucket.key.rpartition("-")[2] or 0),
                resource_id=bucket.id,
                provider_id=bucket.provider_id,
                url=repository_url(bucket.provider.s3_endpoint or "", bucket.external_id),
                immutable=bool(bucket.details.get("object_lock")),
            )
        )
    db.flush()
    db.refresh(policy)
    store.record(db, policy, actor=actor, verb="configure" if before else "create",
                 read=PolicyRead, before=before)
    return policy
