"""Request dependencies: the caller, its permission, and one scoped DB session per request.

Every route under ``/api/v1`` declares ``require("plane:action")``; the session
it gets is scoped to the caller's tenant, so queries cannot leak another tenant's rows.
The session commits when the handler returns and rolls back when it raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request, Security
from fastapi.params import Security as SecurityParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from sqlalchemy.orm import Session

from controlplane.auth import Principal, authenticate
from controlplane.db import Database, Scope, get_database
from controlplane.errors import Forbidden, Unauthenticated
from controlplane.schemas import INT4_MAX

API_PREFIX = "/api/v1"

_bearer = HTTPBearer(auto_error=False, description="A token from `socle token create`.")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def database(request: Request) -> Database:
    """The app's database."""
    return request.app.state.database if hasattr(request.app.state, "database") else get_database()


def look_up_token(db: Database, secret: str) -> Principal | None:
    """The principal of a bearer secret (None: unknown, revoked or expired)."""
    with db.session(scope=Scope.unrestricted(), write=False) as session:
        return authenticate(session, secret)


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    db: Annotated[Database, Depends(database)],
) -> Principal:
    """The authenticated caller, from the bearer token (looked up once per request)."""
    known = getattr(request.state, "principal", None)
    if known is not None:
        return known
    secret = credentials.credentials if credentials else None
    if not secret:
        raise Unauthenticated(detail="send Authorization: Bearer <token>", code="CP-0002")
    found = look_up_token(db, secret)
    if found is None:
        raise Unauthenticated(detail="unknown, revoked or expired token", code="CP-0002")
    request.state.principal = found
    return found


def authorize(
    security_scopes: SecurityScopes, caller: Annotated[Principal, Depends(principal)]
) -> Principal:
    """Refuse (403) a caller whose role lacks one of the route's permissions."""
    for permission in security_scopes.scopes:
        if not caller.can(permission):
            raise Forbidden(detail=f"role {caller.role.value} may not {permission}", code="CP-0003")
    return caller


def require(permission: str) -> SecurityParam:
    """The route needs ``permission`` (e.g. ``tenants:write``).

    Use as ``caller: Annotated[Principal, require("tenants:write")]``. The permission is
    published in the OpenAPI document as the operation's bearer "scope", where clients
    and the authorization-matrix test read it.
    """
    return Security(authorize, scopes=[permission])


def session(
    request: Request,
    caller: Annotated[Principal, Depends(principal)],
    db: Annotated[Database, Depends(database)],
) -> Iterator[Session]:
    """One session per request, scoped to the caller, committed at the end."""
    write = request.method not in SAFE_METHODS
    with db.transaction(scope=caller.scope, write=write) as scoped:
        yield scoped


DbSession = Annotated[Session, Depends(session, scope="function")]


@dataclass(frozen=True)
class Paging:
    """``?limit=&offset=`` of a listing."""

    limit: int
    offset: int


def paging(
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size.")] = 100,
    offset: Annotated[int, Query(ge=0, le=INT4_MAX, description="Items to skip.")] = 0,
) -> Paging:
    """Pagination parameters."""
    return Paging(limit=limit, offset=offset)


PageParams = Annotated[Paging, Depends(paging)]


TenantFiness = Annotated[str | None, Query(max_length=9, description="Tenant FINESS.")]
