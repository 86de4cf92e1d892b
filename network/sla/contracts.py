"""SLA contracts: one per provider and SLA class (created audited, listed by provider)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from network import errors
from network.errors import store
from network.inventory.models import Provider
from network.sla.models import SlaContract
from network.sla.schemas import ContractCreate, ContractRead


def create_contract(db: Session, data: ContractCreate, *, actor: str) -> SlaContract:
    """Record a provider's contract for an SLA class (409 if it has one; 422 naming
    ``provider`` if unknown)."""
    provider = store.reference(db, Provider, data.provider, field="provider")

    def build() -> SlaContract:
        taken = db.scalar(select(SlaContract.id).where(
            SlaContract.provider_id == provider.id, SlaContract.sla_class == data.sla_class.value
        ))
        if taken is not None:
            raise errors.duplicate_contract(provider.name, data.sla_class.value)
        return SlaContract(provider=provider, **data.model_dump(exclude={"provider"}, mode="json"))

    return store.insert(db, build, actor=actor, read=ContractRead)


def contract_query(*, provider: str | None = None) -> Select[tuple[SlaContract]]:
    """Contracts by provider name then SLA class."""
    stmt = select(SlaContract).join(SlaContract.provider).order_by(
        Provider.name, SlaContract.sla_class
    )
    if provider:
        stmt = stmt.where(Provider.name == provider)
    return stmt
