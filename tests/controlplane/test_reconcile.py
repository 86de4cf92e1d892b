"""The reconcile framework on a small real kind: text files in a directory.

Desired state comes from the database (one file per tenant, naming it); observed
state is read from disk; apply writes files; rollback restores what was there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane import jobs, reconcile
from controlplane.db import Database, Scope
from controlplane.errors import Conflict
from controlplane.models import AuditRecord, ReconcilePlan, Tenant
from tests.conftest import TenantFactory


class TenantFiles:
    """``<dir>/<finess>.txt`` holds the tenant's name; ``refuse`` makes one write fail."""

    kind = "test.tenant-files"

    def __init__(self, directory: Path, *, atomic: bool = True, concurrency: int = 1) -> None:
        self.directory = directory
        self.atomic = atomic
        self.concurrency = concurrency
        self.refuse: str | None = None
        self.delay = 0.0
        self._lock = threading.Lock()
        self._running = 0
        self.max_parallel = 0

    def desired(self, db: Session) -> Mapping[str, str]:
        return {t.finess: f"{t.name}\n" for t in db.scalars(select(Tenant))}

    def observe(self, keys: Iterable[str]) -> Mapping[str, str]:
        return {p.stem: p.read_text() for p in self.directory.glob("*.txt")}

    def compare(
        self, key: str, desired: str | None, observed: str | None
    ) -> reconcile.Change | None:
        if desired == observed:
            return None
        action = "create" if observed is None else "delete" if desired is None else "update"
        return reconcile.Change(key=key, action=action, summary=f"{action} {key}.txt",
                                diff=reconcile.text_diff(observed or "", desired or "", name=key),
                                data={"content": desired, "observed": observed})

    def apply(self, change: reconcile.Change, ctx: jobs.StepContext) -> Mapping[str, Any]:
        with self._lock:
            self._running += 1
            self.max_parallel = max(self.max_parallel, self._running)
        try:
            time.sleep(self.delay)
            return self._write(change)
        finally:
            with self._lock:
                self._running -= 1

    def _write(self, change: reconcile.Change) -> Mapping[str, Any]:
        path = self.directory / f"{change.key}.txt"
        previous = path.read_text() if path.exists() else None
        if change.key == self.refuse:
            path.write_text("half-written")
            raise RuntimeError(f"refused {change.key}")
        if change.data["content"] is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(change.data["content"])
        return {"previous": previous}

    def rollback(self, change: reconcile.Change, applied: Mapping[str, Any] | None,
                 ctx: jobs.StepContext) -> None:
        path = self.directory / f"{change.key}.txt"
        previous = applied["previous"] if applied else change.data["observed"]
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(previous)


@pytest.fixture
def files(tmp_path: Path) -> TenantFiles:
    kind = TenantFiles(tmp_path / "files")
    kind.directory.mkdir()
    reconcile.register(kind)
    return kind


def _plan(database: Database) -> ReconcilePlan:
    with database.transaction(scope=Scope.unrestricted()) as db:
        return reconcile.make_plan(db, kind=TenantFiles.kind, actor="tests")


def _apply(database: Database, plan_id: int) -> int:
    with database.transaction(scope=Scope.unrestricted()) as db:
        job = reconcile.apply_plan(db, reconcile.get_plan(db, plan_id), actor="tests")
        job_id = job.id
    jobs.Worker(database).run_once()
    return job_id


def test_plan_apply_and_idempotent_replan(files: TenantFiles, database: Database,
                                          make_tenant: TenantFactory) -> None:
    first, second = make_tenant(name="CH Alpha"), make_tenant(name="CH Beta")
    (files.directory / "000000000.txt").write_text("stale\n")
    plan = _plan(database)
    actions = {c["key"]: c["action"] for c in plan.changes}
    assert actions == {first.finess: "create", second.finess: "create", "000000000": "delete"}
    assert "+CH Alpha" in next(c["diff"] for c in plan.changes if c["key"] == first.finess)
    assert not (files.directory / f"{first.finess}.txt").exists()  # planning changes nothing

    job_id = _apply(database, plan.id)
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        stored = db.get(ReconcilePlan, plan.id)
        job = db.get(jobs.Job, job_id)
        assert stored is not None and job is not None
        assert job.state == "succeeded", job.error
        assert stored.state == "applied" and stored.apply_succeeded_at is not None
        assert stored.plan_succeeded_at is not None and stored.apply_attempted_at is not None
    assert (files.directory / f"{first.finess}.txt").read_text() == "CH Alpha\n"
    assert not (files.directory / "000000000.txt").exists()
    assert _plan(database).changes == []


def test_failure_rolls_back_every_applied_change(files: TenantFiles, database: Database,
                                                 make_tenant: TenantFactory) -> None:
    tenants = [make_tenant(name=f"CH {i}") for i in range(3)]
    existing = files.directory / f"{tenants[0].finess}.txt"
    existing.write_text("old name\n")
    plan = _plan(database)
    files.refuse = sorted(t.finess for t in tenants)[1]
    job_id = _apply(database, plan.id)
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        job = db.get(jobs.Job, job_id)
        stored = db.get(ReconcilePlan, plan.id)
        assert job is not None and stored is not None
        assert job.state == "failed" and files.refuse in (job.error or "")
        assert stored.state == "failed"
    assert existing.read_text() == "old name\n"
    assert sorted(p.name for p in files.directory.iterdir()) == [existing.name]


def test_independent_changes_keep_their_neighbours(tmp_path: Path, database: Database,
                                                   make_tenant: TenantFactory) -> None:
    kind = TenantFiles(tmp_path / "independent", atomic=False, concurrency=4)
    kind.directory.mkdir()
    kind.kind = "test.tenant-files-independent"
    reconcile.register(kind)
    tenants = sorted((make_tenant(name=f"CH {i}") for i in range(8)), key=lambda t: t.finess)
    kind.refuse, kind.delay = tenants[3].finess, 0.2
    with database.transaction(scope=Scope.unrestricted()) as db:
        plan = reconcile.make_plan(db, kind=kind.kind, actor="tests")
    job_id = _apply(database, plan.id)
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        job = db.get(jobs.Job, job_id)
        stored = db.get(ReconcilePlan, plan.id)
        assert job is not None and stored is not None
        assert job.state == "failed"
        assert f"1 of 8 change(s) failed ({tenants[3].finess}: refused" in (job.error or "")
        assert "7 applied change(s) kept" in (job.error or "")
        assert stored.state == "partial"
    written = sorted(p.stem for p in kind.directory.iterdir())
    assert written == [t.finess for t in tenants if t is not tenants[3]]
    assert kind.max_parallel > 1  # devices are handled in parallel, at most 4 at once
    assert kind.max_parallel <= 4


def test_a_plan_is_applied_once(files: TenantFiles, database: Database,
                                make_tenant: TenantFactory) -> None:
    make_tenant()
    plan = _plan(database)
    _apply(database, plan.id)
    with pytest.raises(Conflict), database.transaction(scope=Scope.unrestricted()) as db:
        reconcile.apply_plan(db, reconcile.get_plan(db, plan.id), actor="tests")


def test_plans_are_tenant_scoped(files: TenantFiles, database: Database,
                                 make_tenant: TenantFactory) -> None:
    own, other = make_tenant(), make_tenant()
    with database.transaction(scope=Scope.unrestricted()) as db:
        theirs = reconcile.make_plan(db, kind=TenantFiles.kind, actor="t", tenant_id=other.id)
    with database.session(scope=Scope.tenant(own.id), write=False) as db:
        assert db.get(ReconcilePlan, theirs.id) is None


def test_making_a_plan_is_audited_also_when_observing_fails(
    files: TenantFiles, database: Database, make_tenant: TenantFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Observing logs in to devices with their credentials: every plan leaves a record."""
    make_tenant()
    made = _plan(database)

    def unreachable(keys: Iterable[str]) -> Mapping[str, str]:
        raise OSError("no route to host")

    monkeypatch.setattr(files, "observe", unreachable)
    failed = _plan(database)
    assert (made.state, failed.state) == ("planned", "failed")
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        records = {r.target_id: r for r in db.scalars(
            select(AuditRecord).where(AuditRecord.action == "plan.create"))}
    assert records[str(made.id)].after == {"kind": TenantFiles.kind, "state": "planned",
                                           "keys": None, "changes": 1}
    assert records[str(failed.id)].after["state"] == "failed"
    assert records[str(failed.id)].actor == "tests"
