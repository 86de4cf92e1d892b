"""``socle token``: API tokens."""

from __future__ import annotations

import typer

from controlplane import tokens
from controlplane.auth import Role
from controlplane.cli.common import (
    JsonOption,
    console,
    emit_json,
    emit_rows,
    handle_errors,
    local_actor,
    transaction,
)
from controlplane.schemas import TokenCreate, TokenIssued

app = typer.Typer(help="API tokens (shown once, stored hashed).", no_args_is_help=True)


@app.command("create")
@handle_errors
def create(
    role: Role = typer.Option(
        ..., help="gcs-operator, network-engineer, rssi, establishment, auditor."
    ),
    tenant: str | None = typer.Option(None, help="FINESS (establishment role only)."),
    name: str | None = typer.Option(None, help="Who or what uses the token."),
    as_json: bool = JsonOption,
) -> None:
    """Create a token and print it once."""
    data = TokenCreate(name=name or f"{role.value}-token", role=role, tenant=tenant)
    with transaction() as db:
        issued = tokens.create(db, data, actor=local_actor())
        shown = TokenIssued(**tokens.to_read(issued.record).model_dump(), token=issued.secret)
    if as_json:
        emit_json(shown)
        return
    console.print(
        f"token {shown.id} ({shown.role.value}"
        f"{', tenant ' + shown.tenant if shown.tenant else ''}) — shown once:"
    )
    print(shown.token)


@app.command("list")
@handle_errors
def list_(as_json: bool = JsonOption) -> None:
    """List tokens (never their secrets)."""
    with transaction(write=False) as db:
        rows = [tokens.to_read(t) for t in db.scalars(tokens.list_query())]
    emit_rows(rows, as_json, title="Tokens",
              columns=["id", "name", "role", "tenant", "prefix", "revoked"],
              row=lambda t: (t.id, t.name, t.role.value, t.tenant, t.prefix, t.revoked_at))


@app.command("revoke")
@handle_errors
def revoke(token_id: int) -> None:
    """Revoke a token at once."""
    with transaction() as db:
        tokens.revoke(db, token_id, actor=local_actor())
    console.print(f"token {token_id} revoked")
