"""API tokens, roles and permissions.

Tokens are random (``socle_`` + 43 URL-safe characters, 256 bits), shown once, and
stored only as their SHA-256 (a slow hash adds nothing for secrets of this entropy).
A role is a fixed set of permissions; routes declare the permission they need.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.db import Scope, utcnow
from controlplane.models import ApiToken, Tenant

TOKEN_PREFIX = "socle_"  # noqa: S105 (a prefix, not a secret)


class Role(StrEnum):
    """The roles of API.md; ``establishment`` is bound to one tenant."""

    GCS_OPERATOR = "gcs-operator"
    NETWORK_ENGINEER = "network-engineer"
    RSSI = "rssi"
    ESTABLISHMENT = "establishment"
    AUDITOR = "auditor"


EVERYONE = frozenset({"self:read"})
READ_EVERYWHERE = EVERYONE | {
    "tenants:read",
    "jobs:read",
    "network:read",
    "hosting:read",
    "ssi:read",
    "apps:read",
}

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.GCS_OPERATOR: frozenset({"*"}),
    Role.NETWORK_ENGINEER: EVERYONE
    | {"tenants:read", "jobs:read", "network:read", "network:write"},
    Role.RSSI: READ_EVERYWHERE | {"ssi:write", "ssi:answer"},
    Role.ESTABLISHMENT: EVERYONE
    | frozenset(
        {
            "tenants:read",
            "jobs:read",
            "network:read",
            "hosting:read",
            "hosting:request",
            "ssi:read",
            "ssi:answer",
            "apps:read",
        }
    ),
    Role.AUDITOR: READ_EVERYWHERE | {"audit:read"},
}


def role_allows(role: Role, permission: str) -> bool:
    """True when ``role`` carries ``permission``."""
    granted = ROLE_PERMISSIONS[role]
    return "*" in granted or permission in granted


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token's identity, role and (for establishments) tenant."""

    name: str
    role: Role
    tenant_id: int | None = None
    tenant_finess: str | None = None
    token_id: int | None = None

    @property
    def actor(self) -> str:
        """How this principal is named in the audit log and job records."""
        ident = f"token:{self.token_id}" if self.token_id is not None else "local"
        return f"{self.name} ({self.role.value}, {ident})"

    @property
    def scope(self) -> Scope:
        """The data this principal may see."""
        if self.role is Role.ESTABLISHMENT:
            assert self.tenant_id is not None
            return Scope.tenant(self.tenant_id)
        return Scope.unrestricted()

    def can(self, permission: str) -> bool:
        """True when this principal's role carries ``permission``."""
        return role_allows(self.role, permission)


def system_principal(name: str = "system") -> Principal:
    """The principal of local, trusted callers (CLI on the server, scheduled work)."""
    return Principal(name=name, role=Role.GCS_OPERATOR)


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A freshly created token: ``secret`` is shown once and never stored."""

    record: ApiToken
    secret: str


def issue_token(
    db: Session, *, name: str, role: Role, tenant: Tenant | None, expires_at: datetime | None = None
) -> IssuedToken:
    """Create a token; an establishment token needs a tenant, the others must not have one."""
    from controlplane.errors import InvalidInput

    if role is Role.ESTABLISHMENT and tenant is None:
        raise InvalidInput.on("tenant", "an establishment token needs the tenant's FINESS")
    if role is not Role.ESTABLISHMENT and tenant is not None:
        raise InvalidInput.on("tenant", f"a {role.value} token is not bound to a tenant")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        name=name,
        role=role.value,
        tenant_id=tenant.id if tenant else None,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(secret),
        expires_at=expires_at,
    )
    db.add(record)
    db.flush()
    return IssuedToken(record=record, secret=secret)


def authenticate(db: Session, secret: str) -> Principal | None:
    """The principal behind a bearer token, or None if it is unknown, revoked or expired."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    record = db.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    return _principal_of(record)


def principal_for_token_id(db: Session, token_id: int) -> Principal | None:
    """The principal of a token known by id (console sessions), if still valid."""
    return _principal_of(db.get(ApiToken, token_id))


def _principal_of(record: ApiToken | None) -> Principal | None:
    if record is None or record.revoked_at is not None:
        return None
    if record.expires_at is not None and record.expires_at <= utcnow():
        return None
    return Principal(
        name=record.name,
        role=Role(record.role),
        tenant_id=record.tenant_id,
        tenant_finess=record.tenant.finess if record.tenant else None,
        token_id=record.id,
    )
