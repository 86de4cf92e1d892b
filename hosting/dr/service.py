"""PRA (plan de reprise d'activité): one per subscription, with its secondary provider.

A plan protects a subscription that is backed up (it has a backup policy): in a
disaster its data comes back from the latest good restic snapshot and the system
restarts as an instance at the *secondary* provider. The secondary is chosen by the
placement rules for a DR offer (HDS activities 1, 2, 3, 5, 6, EEA, an EC2 endpoint),
never the primary nor its location; a provider that already holds a backup copy is
preferred, since the restore then reads the copy held there. The choice is explained
in the plan, like a request's placement. The plan names its *recovery host*: the host
standing for the secondary's VM, where exercises restore and restart the service.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from controlplane.rows import snapshot
from controlplane.tenants import of_tenant
from hosting import errors
from hosting.backup.models import BackupPolicy
from hosting.dr.models import DrPlan
from hosting.dr.schemas import DrPlanCreate, DrPlanRead, RecoveryHostSet
from hosting.errors import store
from hosting.providers.models import HostingProvider
from hosting.subscriptions.models import Subscription
from hosting.subscriptions.placement import Need, ProviderFacts, refusals
from hosting.subscriptions.plans import facts

DR_NEED = Need(kind="dr")


def choose_secondary(
    providers: Sequence[ProviderFacts], *, primary: str, holders: set[str], today: date
) -> dict[str, Any]:
    """The secondary provider for a plan, explained (pure: tested without a database).

    ``holders`` are the providers holding a backup copy. Answer: ``chosen`` (None when
    no provider qualifies), ``restore_from`` (the copy the restore reads), per-provider
    ``verdicts`` and ``reasons``.
    """
    primary_facts = next((p for p in providers if p.name == primary), None)
    verdicts = []
    eligible = []
    for provider in providers:
        reasons = refusals(provider, DR_NEED, today)
        if provider.name == primary:
            reasons.insert(0, "is the primary provider")
        elif primary_facts is not None and provider.location == primary_facts.location:
            reasons.append(f"same location as the primary ({provider.location})")
        verdicts.append({"provider": provider.name, "eligible": not reasons, "reasons": reasons})
        if not reasons:
            eligible.append(provider)
    eligible.sort(key=lambda p: (p.name not in holders, p.name))
    if not eligible:
        return {
            "chosen": None,
            "restore_from": None,
            "verdicts": verdicts,
            "reasons": ["no provider other than the primary qualifies for disaster recovery"],
        }
    chosen = eligible[0]
    if chosen.name in holders:
        restore_from = chosen.name
        why = f"secondary {chosen.name} ({chosen.location}) holds a backup copy: restore from it"
    else:
        restore_from = sorted(holders - {primary})[0] if holders - {primary} else primary
        why = (
            f"secondary {chosen.name} ({chosen.location}) holds no backup copy: "
            f"restore from the copy at {restore_from}"
        )
    return {
        "chosen": chosen.name,
        "restore_from": restore_from,
        "verdicts": verdicts,
        "reasons": [why],
    }


def default_runbook(plan: DrPlan, restore_from: str) -> list[str]:
    """The steps of a real failover, in the words of the people who follow them."""
    secondary = plan.secondary_provider.name
    return [
        "Déclarer le sinistre et réunir la cellule de crise (direction, RSSI, GCS)",
        f"Restaurer le dernier instantané restic valide depuis la copie détenue par {restore_from} "
        "sur l'hôte de reprise",
        "Vérifier les sommes de contrôle des données restaurées",
        f"Démarrer l'instance {plan.instance_type} ({plan.image_id}) chez {secondary}",
        "Redémarrer le service sur l'hôte de reprise, contrôler qu'il répond avec les données "
        "restaurées, puis basculer les accès (DNS, VPN) vers le secours",
        f"Consigner RTO/RPO atteints (cibles {plan.rto_minutes} min / {plan.rpo_minutes} min) "
        "et planifier le retour sur le site principal",
    ]


def _policy(db: Session, subscription: Subscription) -> BackupPolicy:
    policy = db.scalar(select(BackupPolicy).where(BackupPolicy.subscription_id == subscription.id))
    if policy is None or not policy.repositories:
        raise errors.invalid(
            "subscription_id",
            f"subscription {subscription.id} has no backup policy: a PRA restores from backups",
        )
    return policy


def _machine(subscription: Subscription, data: DrPlanCreate) -> tuple[str, str]:
    instance = next((r for r in subscription.resources if r.kind == "instance"), None)
    instance_type = data.instance_type or (
        instance.details.get("instance_type") if instance else None
    )
    image_id = data.image_id or subscription.offer.image_id
    if not instance_type:
        raise errors.invalid("instance_type", "required: the subscription has no instance")
    if not image_id:
        raise errors.invalid("image_id", "required: the subscription's offer boots no image")
    return str(instance_type), image_id


def create_plan(db: Session, data: DrPlanCreate, *, actor: str, today: date) -> DrPlan:
    """Record a subscription's PRA with its secondary provider (audited).

    404 unknown subscription, 409 a plan exists or no secondary qualifies, 422 the
    subscription has no backup policy or nothing says which machine to start.
    """
    subscription = store.get(db, Subscription, data.subscription_id)
    if db.scalar(select(DrPlan.id).where(DrPlan.subscription_id == subscription.id)):
        raise errors.duplicate("dr-plan", "subscription_id", subscription.id)
    policy = _policy(db, subscription)
    instance_type, image_id = _machine(subscription, data)
    instance = next((r for r in subscription.resources if r.kind == "instance"), None)
    primary = instance.provider if instance else policy.repositories[0].provider
    holders = {r.provider.name for r in policy.repositories}
    providers = list(db.scalars(select(HostingProvider).order_by(HostingProvider.name)))
    choice = choose_secondary(
        [facts(p) for p in providers], primary=primary.name, holders=holders, today=today
    )
    if choice["chosen"] is None:
        raise errors.conflict(errors.UNPLACEABLE, "secondary_provider", choice["reasons"][0])
    plan = DrPlan(
        tenant_id=subscription.tenant_id,
        tenant=subscription.tenant,
        subscription_id=subscription.id,
        primary_provider=primary,
        secondary_provider=next(p for p in providers if p.name == choice["chosen"]),
        rto_minutes=data.rto_minutes,
        rpo_minutes=data.rpo_minutes,
        instance_type=instance_type,
        image_id=image_id,
        protected_resources=[
            *(f"{r.kind}:{r.key} ({r.provider.name})" for r in subscription.resources),
            f"data:{policy.source_path} (restic, {len(policy.repositories)} copies)",
        ],
        placement={"primary": primary.name, **choice},
        recovery_host=data.recovery_host.model_dump() if data.recovery_host else None,
        created_by=actor,
    )
    plan.runbook = list(data.runbook or default_runbook(plan, choice["restore_from"]))
    db.add(plan)
    db.flush()
    store.record(db, plan, actor=actor, verb="create", read=DrPlanRead)
    return plan


def set_recovery_host(db: Session, plan: DrPlan, body: RecoveryHostSet, *, actor: str) -> DrPlan:
    """Name the host the plan's exercises restore onto and restart on (audited); an
    exercise already running keeps the host it started with."""
    before = snapshot(plan, DrPlanRead)
    plan.recovery_host = body.model_dump()
    db.flush()
    store.record(db, plan, actor=actor, verb="update", read=DrPlanRead, before=before)
    return plan


def plan_query(*, tenant: str | None = None) -> Select[tuple[DrPlan]]:
    """PRA newest first, filtered by tenant FINESS."""
    stmt = select(DrPlan).order_by(DrPlan.id.desc())
    if tenant:
        stmt = stmt.where(of_tenant(DrPlan.tenant_id, tenant))
    return stmt
