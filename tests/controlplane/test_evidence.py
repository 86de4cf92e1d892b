"""Evidence collection: keys without a collector, and failing collectors, are unknown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from controlplane import evidence
from controlplane.db import Database
from controlplane.db.scope import Scope
from controlplane.evidence import Evidence

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_collect_reports_unknown_for_missing_and_failing_collectors(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def measured(db: object, *, tenant_id: int, now: datetime) -> Evidence:
        return Evidence(key="x.ok", value=99.9, observed_at=now, source=f"x#{tenant_id}")

    def broken(db: object, *, tenant_id: int, now: datetime) -> Evidence:
        raise RuntimeError("plane down")

    monkeypatch.setattr(evidence, "collectors", lambda: {"x.ok": measured, "x.broken": broken})
    with database.session(scope=Scope.unrestricted()) as db:
        found = evidence.collect(db, tenant_id=7, keys=["x.ok", "x.broken", "x.none"], now=NOW)
    assert found["x.ok"] == Evidence(key="x.ok", value=99.9, observed_at=NOW, source="x#7")
    assert found["x.broken"].value is None and "RuntimeError" in found["x.broken"].detail
    assert found["x.none"].value is None and not found["x.none"].known
    assert "aucune source" in found["x.none"].detail
