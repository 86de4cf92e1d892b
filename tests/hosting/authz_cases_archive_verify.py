"""Authorization-matrix example for ``POST /hosting/archive/verify`` (operators only):
it queues the periodic integrity check (202); nothing is read until a worker runs it."""

from __future__ import annotations

from tests.support.authz import Case

VERIFY_ALL = "/api/v1/hosting/archive/verify"

CASES: dict[tuple[str, str], Case] = {
    ("POST", VERIFY_ALL): Case(lambda w, t: (VERIFY_ALL, {"older_than_days": 30}), success=202),
}
