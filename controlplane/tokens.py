"""Token administration: issue, list, revoke (audited, secrets never recorded)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from controlplane import audit, tenants
from controlplane.auth import IssuedToken, Role, issue_token
from controlplane.db import utcnow
from controlplane.errors import Conflict, NotFound
from controlplane.models import ApiToken
from controlplane.schemas import TokenCreate, TokenRead


def to_read(record: ApiToken) -> TokenRead:
    """The public view of a token."""
    return TokenRead(
        id=record.id,
        name=record.name,
        role=Role(record.role),
        tenant=record.tenant.finess if record.tenant else None,
        prefix=record.prefix,
        created_at=record.created_at,
        expires_at=record.expires_at,
        revoked_at=record.revoked_at,
    )


def create(db: Session, data: TokenCreate, *, actor: str) -> IssuedToken:
    """Issue a token and audit it (without its secret)."""
    tenant = tenants.get_by_finess(db, data.tenant) if data.tenant else None
    issued = issue_token(
        db, name=data.name, role=data.role, tenant=tenant, expires_at=data.expires_at
    )
    audit.record(
        db,
        actor=actor,
        action="token.create",
        target_type="token",
        target_id=issued.record.id,
        tenant_finess=tenant.finess if tenant else None,
        after=to_read(issued.record).model_dump(mode="json"),
    )
    return issued


def list_query() -> Select[tuple[ApiToken]]:
    """Every token, newest first."""
    return select(ApiToken).order_by(ApiToken.id.desc())


def revoke(db: Session, token_id: int, *, actor: str) -> ApiToken:
    """Revoke a token at once."""
    record = db.get(ApiToken, token_id)
    if record is None:
        raise NotFound(detail=f"no token {token_id}", code="CP-0111")
    if record.revoked_at is not None:
        raise Conflict(detail=f"token {token_id} is already revoked", code="CP-0112")
    record.revoked_at = utcnow()
    audit.record(
        db,
        actor=actor,
        action="token.revoke",
        target_type="token",
        target_id=token_id,
        after={"revoked_at": record.revoked_at.isoformat()},
    )
    return record
