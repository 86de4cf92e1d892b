"""``GET /api/v1/hosting/subscriptions/{id}/pulumi``: the subscription as a Pulumi program."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from controlplane.api.deps import DbSession, require
from controlplane.auth import Principal
from controlplane.schemas import RowId
from hosting.errors import store
from hosting.pulumi import service as pulumi_export
from hosting.subscriptions.models import Subscription

router = APIRouter()

Reader = Annotated[Principal, require("hosting:read")]


@router.get(
    "/subscriptions/{subscription_id}/pulumi",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/x-python": {}}}},
)
def get_pulumi_program(subscription_id: RowId, db: DbSession, caller: Reader) -> PlainTextResponse:
    """The subscription's resources as a Python Pulumi program (404 if another tenant's)."""
    subscription = store.get(db, Subscription, subscription_id)
    return PlainTextResponse(
        pulumi_export.export(db, subscription),
        media_type="text/x-python",
        headers={
            "Content-Disposition": f'attachment; filename="subscription-{subscription_id}.py"'
        },
    )
