"""The technical checks as evidence (``ssi.internet_exposure``) for the CaRE "exposition
Internet" items: the latest result of each endpoint the establishment declared.

The value is true when every endpoint's latest check passed; the evidence is as old as
the oldest of those checks. Unknown when nothing was declared or checked yet.
:func:`internet_exposure_many` reads many tenants at once (for the regional heatmap).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controlplane.evidence import BatchedCollector, Evidence, by_tenant, one_of, unknown
from ssi.checks.models import CheckResult, CheckTarget

INTERNET_EXPOSURE = "ssi.internet_exposure"
RULE = ("oui si le dernier contrôle de chaque point d'accès déclaré n'a relevé aucun "
        "constat au-delà d'informatif : seuls les ports attendus ouverts, aucune version "
        "TLS obsolète (1.0, 1.1) acceptée, certificat valide encore 30 jours au moins, "
        "SSH sans connexion par mot de passe ni algorithme faible")


def internet_exposure_many(
    db: Session, *, tenant_ids: Collection[int], now: datetime
) -> dict[int, Evidence]:
    """Whether the tenant's endpoints passed their latest checks (up to ``now``)."""
    latest = (
        select(func.max(CheckResult.id))
        .join(CheckTarget)
        .where(CheckTarget.tenant_id.in_(tenant_ids), CheckResult.checked_at <= now)
        .group_by(CheckResult.target_id)
    )
    results = by_tenant(db.scalars(select(CheckResult).where(CheckResult.id.in_(latest))
                                   .order_by(CheckResult.id)))
    return {tenant_id: _internet_exposure(results.get(tenant_id, [])) for tenant_id in tenant_ids}


def _internet_exposure(results: list[CheckResult]) -> Evidence:
    if not results:
        return unknown(INTERNET_EXPOSURE, "aucun point d'accès contrôlé pour cet établissement",
                       rule=RULE)
    failed = [r for r in results if not r.passed]
    findings = sum(len(r.findings) for r in failed)
    return Evidence(
        key=INTERNET_EXPOSURE,
        value=not failed,
        observed_at=min(r.checked_at for r in results),
        source="ssi.check_result#" + ",".join(str(r.id) for r in results),
        detail=f"{len(results)} point(s) d'accès contrôlé(s), {len(failed)} en échec "
        f"({findings} constat(s))",
        data={"failed": [r.target.name for r in failed]},
        rule=RULE,
    )


internet_exposure = one_of(internet_exposure_many)

COLLECTORS = {INTERNET_EXPOSURE: internet_exposure}
BATCHED: dict[str, BatchedCollector] = {INTERNET_EXPOSURE: internet_exposure_many}
