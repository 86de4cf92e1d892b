"""Authorization-matrix examples for the PRA routes (``/hosting/dr-plans``...) and the
Pulumi export of a subscription."""

from __future__ import annotations

from tests.support.authz import Case

HOST = "/api/v1/hosting"

CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{HOST}/subscriptions/{{subscription_id}}/pulumi"): Case(
        lambda w, t: (f"{HOST}/subscriptions/{w.hosting.subscription(t).id}/pulumi", None),
        tenant_bound=True),
}
