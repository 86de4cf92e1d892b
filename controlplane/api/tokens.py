"""Tokens: ``/api/v1/tokens`` (operators) and ``/api/v1/me`` (anyone signed in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from controlplane import tokens
from controlplane.api.deps import API_PREFIX, DbSession, PageParams, require
from controlplane.api.pagination import ExportQuery, page_or_export
from controlplane.api.problems import PROBLEM_RESPONSES
from controlplane.auth import ROLE_PERMISSIONS, Principal
from controlplane.exports import EXPORT_RESPONSES, ExportFormat
from controlplane.schemas import Page, RowId, TokenCreate, TokenIssued, TokenRead, WhoAmI

router = APIRouter(prefix=API_PREFIX, tags=["tokens"], responses=PROBLEM_RESPONSES)


@router.get("/me", response_model=WhoAmI)
def whoami(caller: Annotated[Principal, require("self:read")]) -> WhoAmI:
    """Who the token belongs to and what it may do."""
    return WhoAmI(
        name=caller.name,
        role=caller.role,
        tenant=caller.tenant_finess,
        permissions=sorted(ROLE_PERMISSIONS[caller.role]),
    )


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenIssued)
def create_token(
    body: TokenCreate,
    db: DbSession,
    caller: Annotated[Principal, require("tokens:write")],
) -> TokenIssued:
    """Issue a token; its secret is in this answer only."""
    issued = tokens.create(db, body, actor=caller.actor)
    return TokenIssued(**tokens.to_read(issued.record).model_dump(), token=issued.secret)


@router.get("/tokens", response_model=Page[TokenRead], responses=EXPORT_RESPONSES)
def list_tokens(
    db: DbSession,
    paging: PageParams,
    caller: Annotated[Principal, require("tokens:read")],
    format: ExportQuery = ExportFormat.JSON,
) -> Page[TokenRead] | Response:
    """Every token's public facts."""
    return page_or_export(db, tokens.list_query(), paging, TokenRead, format, title="Jetons d'API",
                          show=lambda db, rows: [tokens.to_read(t) for t in rows])


@router.delete("/tokens/{token_id}", response_model=TokenRead)
def revoke_token(
    token_id: RowId,
    db: DbSession,
    caller: Annotated[Principal, require("tokens:write")],
) -> TokenRead:
    """Revoke a token."""
    return tokens.to_read(tokens.revoke(db, token_id, actor=caller.actor))
