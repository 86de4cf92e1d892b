"""Database access: declarative base, column types, engines and scoped sessions."""

from controlplane.db.base import Base, JSONType, UTCDateTime, utcnow
from controlplane.db.engine import Database, get_database, reset_database
from controlplane.db.scope import Scope, ScopeViolation, TenantScoped, regional_reader
from controlplane.db.upsert import insert_missing

__all__ = [
    "Base",
    "Database",
    "JSONType",
    "Scope",
    "ScopeViolation",
    "TenantScoped",
    "UTCDateTime",
    "get_database",
    "insert_missing",
    "regional_reader",
    "reset_database",
    "utcnow",
]
