"""A job's live progress over server-sent events: bounded, scoped, ends with the job."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controlplane import jobs
from controlplane.auth import authenticate
from controlplane.console import session as console_session
from controlplane.console.identity import Visitor
from controlplane.console.pages import job_events
from controlplane.console.session import ConsoleSession
from controlplane.db import Database, Scope
from tests.conftest import TokenFactory
from tests.console.support import secret_of, signed_in


def _enqueue(database: Database, tmp_path: Path) -> int:
    with database.transaction(scope=Scope.unrestricted()) as db:
        return jobs.enqueue(db, kind="test.quick", actor="tests",
                            params={"marker": str(tmp_path / "m"), "release": ""}).id


def _events(client: TestClient, job_id: int) -> list[tuple[str, str]]:
    with client.stream("GET", f"/console/jobs/{job_id}/events") as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        text = "".join(answer.iter_text())
    events = []
    for block in text.split("\n\n"):
        lines = block.splitlines()
        names = [line[len("event: "):] for line in lines if line.startswith("event: ")]
        data = "\n".join(line[len("data: "):] for line in lines if line.startswith("data: "))
        if names:
            events.append((names[0], data))
    return events


def test_a_finished_job_sends_its_state_then_ends(client: TestClient, auth: TokenFactory,
                                                  database: Database, tmp_path: Path) -> None:
    job_id = _enqueue(database, tmp_path)
    jobs.Worker(database).run_once()
    signed_in(client, auth, "network-engineer")
    events = _events(client, job_id)
    assert [name for name, _ in events] == ["job", "end"]
    html = events[0][1]
    assert 'aria-valuenow="100"' in html and "Réussie" in html and "<html" not in html


def test_a_waiting_job_streams_for_a_bounded_time(
    client: TestClient, auth: TokenFactory, database: Database, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(job_events, "STREAM_SECONDS", 0.3)
    monkeypatch.setattr(job_events, "POLL_SECONDS", 0.05)
    job_id = _enqueue(database, tmp_path)
    signed_in(client, auth, "gcs-operator")
    events = _events(client, job_id)
    assert [name for name, _ in events] == ["job"], "one snapshot, no repeats, then it stops"
    assert "En attente" in events[0][1]


def test_the_stream_ends_when_the_token_is_revoked(
    client: TestClient, auth: TokenFactory, database: Database, tmp_path: Path,
) -> None:
    job_id = _enqueue(database, tmp_path)
    headers = auth("gcs-operator")
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        principal = authenticate(db, secret_of(headers))
    assert principal is not None
    visitor = Visitor(principal=principal, csrf_token="unused", database=database)
    current = ConsoleSession.start(principal.token_id)
    assert job_events.snapshot(visitor, current, job_id) is not None
    client.delete(f"/api/v1/tokens/{principal.token_id}", headers=headers)
    assert job_events.snapshot(visitor, current, job_id) is None


def test_the_stream_ends_when_the_visitor_signs_out(
    client: TestClient, auth: TokenFactory, database: Database, tmp_path: Path,
) -> None:
    job_id = _enqueue(database, tmp_path)
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        principal = authenticate(db, secret_of(auth("gcs-operator")))
    assert principal is not None
    visitor = Visitor(principal=principal, csrf_token="unused", database=database)
    current, other = ConsoleSession.start(principal.token_id), ConsoleSession.start(
        principal.token_id)
    assert job_events.snapshot(visitor, current, job_id) is not None
    with database.transaction(scope=Scope.unrestricted()) as db:
        console_session.end(db, current)  # what the sign-out does
    assert job_events.snapshot(visitor, current, job_id) is None  # an open stream stops
    assert job_events.snapshot(visitor, other, job_id) is not None  # another browser's goes on


def test_events_need_a_session(client: TestClient, database: Database, tmp_path: Path) -> None:
    answer = client.get(f"/console/jobs/{_enqueue(database, tmp_path)}/events",
                        follow_redirects=False)
    assert answer.status_code == 303
