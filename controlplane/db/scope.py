"""Tenant scoping, enforced once for every ORM query and every flush.

Every session carries a :class:`Scope` in ``session.info["scope"]``. Queries on a
:class:`TenantScoped` entity are filtered to the scope's tenant automatically
(``with_loader_criteria``), so a route cannot forget the filter; a flush that writes a
row of another tenant is refused. A session without a scope cannot touch scoped data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import event, or_
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria


class ScopeViolation(PermissionError):
    """A session tried to read or write data outside its tenant scope."""


@dataclass(frozen=True)
class Scope:
    """Which tenants a session may see: all of them (``tenant_id is None``) or one."""

    tenant_id: int | None

    @classmethod
    def unrestricted(cls) -> Scope:
        """Every tenant (operators, system jobs, the CLI)."""
        return cls(tenant_id=None)

    @classmethod
    def tenant(cls, tenant_id: int) -> Scope:
        """A single tenant (an establishment's token)."""
        return cls(tenant_id=tenant_id)

    @property
    def is_restricted(self) -> bool:
        """True when the session may only see one tenant."""
        return self.tenant_id is not None


class TenantScoped:
    """Mixin for tables whose rows belong to a tenant.

    ``__tenant_column__`` names the column holding the tenant id (``tenant_id`` by
    default; the tenants table itself uses ``id``).
    """

    __tenant_column__: ClassVar[str] = "tenant_id"
    #: True when rows without a tenant are regional facts every tenant may read
    #: (e.g. a provider-wide maintenance window); they stay read-only for tenants.
    __shared_rows_readable__: ClassVar[bool] = False


def session_scope(session: Session) -> Scope:
    """The scope of a session; a session without one is refused."""
    scope = session.info.get("scope")
    if not isinstance(scope, Scope):
        raise ScopeViolation("database session opened without a tenant scope")
    return scope


@contextmanager
def regional_reader(session: Session) -> Iterator[Session]:
    """``session`` itself when it sees every tenant, else a read-only session on its
    connection (same transaction) that does: for a computation that needs regional rows
    a tenant may not read (the PE a circuit ends on) about objects the caller already
    found through ``session``; what it returns must be about those objects only."""
    if not session_scope(session).is_restricted:
        yield session
        return
    regional = Session(bind=session.connection(), info={"scope": Scope.unrestricted()},
                       autoflush=False)
    try:
        yield regional
    finally:
        regional.close()


_scoped: dict[int, list[type[Any]]] = {}


def _scoped_classes() -> list[type[Any]]:
    """Every mapped tenant-scoped class (rescanned when a plane maps new tables)."""
    from controlplane.db.base import Base

    mappers = Base.registry.mappers
    if len(mappers) not in _scoped:
        _scoped.clear()
        _scoped[len(mappers)] = [m.class_ for m in mappers if issubclass(m.class_, TenantScoped)]
    return _scoped[len(mappers)]


def _visible(cls: type[Any], tenant_id: int | None) -> Any:
    column = getattr(cls, cls.__tenant_column__)
    if cls.__shared_rows_readable__:
        return or_(column == tenant_id, column.is_(None))
    return column == tenant_id


@event.listens_for(Session, "do_orm_execute")
def _scope_queries(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return
    scope = session_scope(state.session)
    if scope.is_restricted:
        state.statement = state.statement.options(
            *(
                with_loader_criteria(cls, _visible(cls, scope.tenant_id), include_aliases=True)
                for cls in _scoped_classes()
            )
        )


@event.listens_for(Session, "before_flush")
def _scope_writes(session: Session, flush_context: Any, instances: Any) -> None:
    scope = session_scope(session)
    if not scope.is_restricted:
        return
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, TenantScoped):
            owner = getattr(obj, type(obj).__tenant_column__)
            if owner != scope.tenant_id:
                raise ScopeViolation(
                    f"{type(obj).__name__} belongs to another tenant than this session's"
                )
