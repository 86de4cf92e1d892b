"""Requests are bounded before any route reads them (issue 16, item 5): an anonymous
client sending a large body gets its 401 before the body is read (it was parsed for
seconds first, and three in parallel stalled /healthz); bodies over the limit are 413,
too many headers 431; the archive deposit streams under its own limit.

Talks HTTP over real sockets to a live uvicorn, so "before the body" is observable: the
client sends the headers and only a few bytes of a body announced as 5 MB."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from controlplane.api.app import create_app
from controlplane.auth import Role
from controlplane.db import Database
from controlplane.settings import Settings
from tests.conftest import TokenFactory
from tests.support.live_server import serve

FIVE_MB = 5 * 1024 * 1024


@pytest.fixture
def api(settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The API served for real, its body limit 64 KiB and archive documents 1 MiB."""
    bounded = settings.model_copy(update={"api_max_body_bytes": 65_536,
                                          "hosting_archive_max_bytes": 1_048_576})
    with serve(create_app(bounded, database), name="guarded-api") as url:
        yield url


def raw_request(url: str, head: str, body_part: bytes = b"") -> tuple[int, dict[str, object]]:
    """Send ``head`` (request line and headers) and ``body_part``, then read the answer
    without sending the rest of the body: its status and JSON document."""
    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port), timeout=10) as connection:
        connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body_part)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = connection.recv(65_536)
            if not chunk:
                break
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2] or b"{}")


def post_head(path: str, length: int, *headers: str) -> str:
    lines = [f"POST {path} HTTP/1.1", "Host: socle", "Content-Type: application/json",
             f"Content-Length: {length}", *headers]
    return "\n".join(lines) + "\n"


def test_an_anonymous_large_body_is_refused_before_it_is_read(api: str) -> None:
    status, problem = raw_request(api, post_head("/api/v1/tenants", FIVE_MB), b'{"finess": "')
    assert (status, problem["code"]) == (401, "CP-0002")
    forged = post_head("/api/v1/tenants", FIVE_MB, "Authorization: Bearer socle_forged")
    status, problem = raw_request(api, forged, b'{"finess": "')
    assert (status, problem["detail"]) == (401, "unknown, revoked or expired token")
    assert httpx.get(f"{api}/healthz", timeout=10).status_code == 200


def test_bodies_over_the_limit_are_413_and_headers_431(api: str, auth: TokenFactory) -> None:
    token = auth(Role.GCS_OPERATOR)["Authorization"]
    status, problem = raw_request(api, post_head("/api/v1/tenants", FIVE_MB,
                                                 f"Authorization: {token}"))
    assert (status, problem["code"], problem["detail"]) == (413, "CP-0005", "at most 65536 bytes")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it is read
        yield b'{"finess": "' + b"9" * 70_000
        yield b'"}'

    chunked = httpx.post(f"{api}/api/v1/tenants", content=chunks(), timeout=10,
                         headers={"Authorization": token, "Content-Type": "application/json"})
    assert (chunked.status_code, chunked.json().get("code")) == (413, "CP-0005"), chunked.text

    many = {f"X-Filler-{i}": "x" for i in range(120)}
    crowded = httpx.get(f"{api}/api/v1/tenants", headers={"Authorization": token, **many},
                        timeout=10)
    assert (crowded.status_code, crowded.json()["code"]) == (431, "CP-0006")

    # within the limits, the same route works, and the token was looked up only once
    made = httpx.post(f"{api}/api/v1/tenants", headers={"Authorization": token}, timeout=10,
                      json={"finess": "750000001", "name": "Hôpital borné", "kind": "hospital",
                            "department": "75"})
    assert made.status_code in (201, 422), made.text
    assert made.status_code != 413


def test_the_archive_deposit_streams_under_its_own_limit(api: str, auth: TokenFactory) -> None:
    token = auth(Role.GCS_OPERATOR)["Authorization"]
    path = "/api/v1/hosting/archives?subscription_id=999999&name=scan.pdf"
    # 200 KiB: over the API's 64 KiB, within the deposit's 1 MiB: it reaches the route
    within = httpx.post(f"{api}{path}", content=b"%" * 200_000, timeout=10,
                        headers={"Authorization": token,
                                 "Content-Type": "application/octet-stream"})
    assert within.status_code == 404, within.text  # no such subscription: read, then refused
    status, problem = raw_request(api, post_head(path, 2_000_000, f"Authorization: {token}"))
    assert (status, problem["code"], problem["detail"]) == (413, "CP-0005",
                                                            "at most 1048576 bytes")
