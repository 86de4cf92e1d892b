"""What placed requests hold on each provider, and the lock that keeps it true.

A request holds capacity from its approval: while it is ``approved``, ``provisioning``
or ``active`` (:data:`HOLDING`), each provider of its placement (the plan stored at
approval) holds what the request takes per copy (:func:`hosting.subscriptions.plans.need`:
storage in GB, vCPUs). A pending request holds nothing (the operator has not decided); a
rejected or failed one holds nothing any more (a failed request approved again is placed
again). Holdings are computed from the requests' states at each decision, never kept as
counters, so whatever moves a request out of those states gives its capacity back.

Two approvals deciding at once must not both take the last capacity: an approval locks
every provider row (:func:`lock_providers`, ``SELECT ... FOR UPDATE`` in name order on
PostgreSQL) before reading the holdings, so approvals queue one behind the other and
each reads what the previous one committed. SQLite serialises writers anyway (write
transactions start with ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from hosting.catalogue.models import Offer
from hosting.providers.models import HostingProvider
from hosting.subscriptions.models import HostingRequest
from hosting.subscriptions.placement import Held
from hosting.subscriptions.plans import need
from hosting.subscriptions.schemas import RequestState

HOLDING = (RequestState.APPROVED, RequestState.PROVISIONING, RequestState.ACTIVE)


def held(db: Session, *, excluding: int | None = None) -> dict[str, Held]:
    """What the holding requests (but ``excluding``, the request being decided) hold, by
    provider name.

    A provider's capacity is regional: every tenant's requests count, also in an
    establishment's session (its request's plan shows what is left). So the requests
    are read as a Core statement on the session's connection, outside the ORM's tenant
    scoping, and only the sums per provider leave this function. Reading columns, not
    ORM objects, it sees what other transactions committed since the session loaded its
    objects.
    """
    stmt = (
        select(HostingRequest.plan, HostingRequest.parameters, Offer.kind, Offer.copies)
        .join(Offer, Offer.id == HostingRequest.offer_id)
        .where(HostingRequest.state.in_([s.value for s in HOLDING]))
    )
    if excluding is not None:
        stmt = stmt.where(HostingRequest.id != excluding)
    db.flush()  # this session's own decisions count too
    gb: dict[str, int] = defaultdict(int)
    vcpus: dict[str, int] = defaultdict(int)
    for plan, parameters, kind, copies in db.connection().execute(stmt):
        taken = need(kind, copies, parameters)
        for provider in plan.get("placement", {}).get("chosen", []):
            gb[provider] += taken.size_gb
            vcpus[provider] += taken.vcpus
    return {name: Held(gb[name], vcpus[name]) for name in gb}


def lock_providers(db: Session) -> None:
    """Lock every provider row until the transaction ends (approvals queue behind)."""
    db.execute(select(HostingProvider.id).order_by(HostingProvider.name).with_for_update())
