"""API tokens (operators): the list, issuing one (its secret shown once), revoking."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import Form, Request, Response
from pydantic import ValidationError
from starlette.responses import RedirectResponse

from controlplane import tokens
from controlplane.api.deps import Paging
from controlplane.api.pagination import paginate
from controlplane.auth import Role
from controlplane.console.forms import FormErrors
from controlplane.console.identity import Visitor, allowed
from controlplane.console.labels import choices
from controlplane.console.rendering import TIMEZONE, render
from controlplane.console.routing import console_router
from controlplane.errors import InvalidInput, NotFound
from controlplane.schemas import TokenCreate

router = console_router()

PAGE_SIZE = 50


def end_of_day(day: str) -> datetime | None:
    """``YYYY-MM-DD`` → the end of that day in Paris (None for an empty field)."""
    if not day.strip():
        return None
    try:
        parsed = date.fromisoformat(day.strip())
    except ValueError:
        raise InvalidInput.on("expires_at", "Date invalide (attendu : AAAA-MM-JJ).") from None
    return datetime.combine(parsed + timedelta(days=1), time.min, tzinfo=TIMEZONE)


@router.get("/console/tokens")
def token_list(
    request: Request,
    visitor: Annotated[Visitor, allowed("tokens:read")],
    offset: int = 0,
    revoked: int | None = None,
) -> Response:
    """Every token's public facts, newest first."""
    with visitor.read() as db:
        items, total = paginate(db, tokens.list_query(), Paging(PAGE_SIZE, max(0, offset)))
        rows = [tokens.to_read(t) for t in items]
    context = {
        "rows": rows, "total": total, "offset": max(0, offset), "page_size": PAGE_SIZE,
        "revoked": revoked, "own_token": visitor.principal.token_id,
    }
    return render(request, "tokens/list.html", context)


def _form_page(request: Request, values: dict[str, str], errors: FormErrors) -> Response:
    context = {
        "values": values, "errors": errors,
        "role_options": [("", "Choisir un rôle"), *choices("role", [r.value for r in Role])],
        "tomorrow": (datetime.now(TIMEZONE).date() + timedelta(days=1)).isoformat(),
    }
    return render(request, "tokens/form.html", context, status=422 if errors else 200)


@router.get("/console/tokens/new")
def new_token_form(
    request: Request, visitor: Annotated[Visitor, allowed("tokens:write")]
) -> Response:
    """The form to issue a token."""
    values = {"name": "", "role": "", "tenant": "", "expires_at": ""}
    return _form_page(request, values, FormErrors())


@router.post("/console/tokens/new")
def create_token(
    request: Request,
    visitor: Annotated[Visitor, allowed("tokens:write")],
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    tenant: Annotated[str, Form()] = "",
    expires_at: Annotated[str, Form()] = "",
) -> Response:
    """Issue a token with :func:`controlplane.tokens.create`; its secret is shown once."""
    values = {"name": name, "role": role, "tenant": tenant, "expires_at": expires_at}
    try:
        data = TokenCreate(
            name=name.strip(), role=role, tenant=tenant.strip() or None,
            expires_at=end_of_day(expires_at),
        )
        with visitor.write() as db:
            issued = tokens.create(db, data, actor=visitor.principal.actor)
            token = tokens.to_read(issued.record)
    except ValidationError as exc:
        return _form_page(request, values, FormErrors.from_validation(exc))
    except InvalidInput as exc:
        return _form_page(request, values, FormErrors.from_domain(exc))
    except NotFound:
        unknown = FormErrors(fields={"tenant": "Aucun établissement avec ce numéro FINESS."})
        return _form_page(request, values, unknown)
    return render(request, "tokens/issued.html", {"token": token, "secret": issued.secret},
                  status=201)


@router.post("/console/tokens/{token_id}/revoke")
def revoke_token(token_id: int, visitor: Annotated[Visitor, allowed("tokens:write")]) -> Response:
    """Revoke a token with :func:`controlplane.tokens.revoke` (audited); effective at once."""
    with visitor.write() as db:
        tokens.revoke(db, token_id, actor=visitor.principal.actor)
    return RedirectResponse(f"/console/tokens?revoked={token_id}", status_code=303)
