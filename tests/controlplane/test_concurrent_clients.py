"""Many more clients than handler threads: no error, /healthz answering throughout.

Before: each request's session held a pooled connection while it waited for a thread
to commit it, so 100 clients exhausted the pool (500s after 30-second pool timeouts)
and /healthz, itself queued for a thread, went unanswered. The figures at 200 clients
for 60 s are `bench/api_load.py`'s; this runs 6 clients per thread (48 on 8 threads),
10 % writes, on each database, and asserts on outcomes only (no timing)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from controlplane.api.app import create_app
from controlplane.auth import Role
from controlplane.db import Database
from controlplane.finess import make_finess
from controlplane.settings import Settings
from tests.conftest import TokenFactory
from tests.support.live_server import serve

THREADS = 8
CLIENTS = 48
REQUESTS_EACH = 10


@pytest.fixture
def api(settings: Settings, database: Database) -> Iterator[str]:
    """The API served for real with only ``THREADS`` handler threads, its database pools
    sized for them (fewer connections than clients)."""
    few = settings.model_copy(update={"api_threads": THREADS})
    sized = Database(database.url, threads=THREADS)
    try:
        with serve(create_app(few, sized), name="busy-api") as url:
            yield url
    finally:
        sized.dispose()


def test_many_clients_get_no_error_and_healthz_answers(api: str, auth: TokenFactory) -> None:
    token = auth(Role.GCS_OPERATOR)
    errors: list[str] = []
    health: list[int] = []
    done = threading.Event()

    def client(number: int) -> None:
        with httpx.Client(base_url=api, headers=token, timeout=120) as http:
            for i in range(REQUESTS_EACH):
                if i == 0:  # one write in ten
                    body = {"finess": make_finess("69", 3000 + number), "name": f"Charge {number}",
                            "kind": "ES", "department": "69"}
                    answer, expected = http.post("/api/v1/tenants", json=body), 201
                else:
                    answer, expected = http.get("/api/v1/tenants", params={"limit": 50}), 200
                if answer.status_code != expected:
                    errors.append(f"{answer.status_code}: {answer.text[:200]}")

    def prober() -> None:
        while not done.wait(0.2):
            try:
                health.append(httpx.get(f"{api}/healthz", timeout=10).status_code)
            except httpx.HTTPError:
                health.append(0)

    watching = threading.Thread(target=prober)
    watching.start()
    clients = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    done.set()
    watching.join()
    assert errors == []
    assert health and set(health) == {200}
    listed = httpx.get(f"{api}/api/v1/tenants", params={"department": "69", "limit": 1},
                       headers=token, timeout=30).json()
    assert listed["total"] >= CLIENTS  # every write landed
