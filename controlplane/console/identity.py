"""Who is browsing: the session's token, re-checked on every request, and its permissions.

Pages declare what they need as ``visitor: Annotated[Visitor, allowed("tenants:read")]``,
with the same permission names and :func:`controlplane.auth.role_allows` as the API.
Their database work goes through :meth:`Visitor.read` / :meth:`Visitor.write`: the
same tenant-scoped sessions as the API, so an establishment only ever sees its own rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from controlplane.api.deps import database
from controlplane.auth import Principal, principal_for_token_id
from controlplane.console import session as console_session
from controlplane.console.session import ConsoleSession
from controlplane.db import Database, Scope
from controlplane.errors import Forbidden


class SignInRequired(Exception):
    """No signed-in session; ``ended`` when the session's token was revoked or expired."""

    def __init__(self, *, ended: bool = False) -> None:
        super().__init__("sign-in required")
        self.ended = ended


@dataclass(frozen=True)
class Visitor:
    """A signed-in visitor: the token's principal and the session's CSRF secret."""

    principal: Principal
    csrf_token: str
    database: Database

    def can(self, permission: str) -> bool:
        """True when the visitor's role carries ``permission``."""
        return self.principal.can(permission)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session scoped to the visitor's tenant (all tenants for GCS roles)."""
        with self.database.transaction(scope=self.principal.scope, write=False) as db:
            yield db

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A scoped session committed when the block succeeds, rolled back when it raises."""
        with self.database.transaction(scope=self.principal.scope, write=True) as db:
            yield db


def session_principal(db: Database, current: ConsoleSession) -> Principal | None:
    """The principal of a signed-in session; None if it was signed out, or its token
    revoked or expired (one read-only session for both checks)."""
    if current.token_id is None:
        return None
    with db.session(scope=Scope.unrestricted(), write=False) as session:
        if console_session.is_ended(session, current):
            return None
        return principal_for_token_id(session, current.token_id)


def signed_in(request: Request, db: Annotated[Database, Depends(database)]) -> Visitor:
    """The visitor behind the session cookie; :class:`SignInRequired` when there is none."""
    current = request.state.console_session
    if current is None or current.token_id is None:
        raise SignInRequired()
    principal = session_principal(db, current)
    if principal is None:
        raise SignInRequired(ended=True)
    visitor = Visitor(principal=principal, csrf_token=current.csrf, database=db)
    request.state.visitor = visitor
    return visitor


def allowed(permission: str) -> Any:
    """Dependency: the signed-in visitor, refused (403 page) without ``permission``."""

    def check(visitor: Annotated[Visitor, Depends(signed_in)]) -> Visitor:
        if not visitor.can(permission):
            raise Forbidden(
                detail=f"role {visitor.principal.role.value} may not {permission}",
                code="CP-0003",
            )
        return visitor

    return Depends(check)
