"""``socle audit``: read and verify the audit chain."""

from __future__ import annotations

import typer

from controlplane import audit
from controlplane.cli.common import (
    JsonOption,
    console,
    emit_json,
    emit_rows,
    errors,
    handle_errors,
    transaction,
)
from controlplane.schemas import AuditRead, AuditVerification

app = typer.Typer(help="The append-only, hash-chained audit log.", no_args_is_help=True)


@app.command("list")
@handle_errors
def list_(
    limit: int = typer.Option(50, min=1, max=10_000),
    action: str | None = typer.Option(None),
    tenant: str | None = typer.Option(None, help="FINESS."),
    as_json: bool = JsonOption,
) -> None:
    """Show the newest audit records."""
    stmt = audit.list_query(action=action, tenant=tenant).limit(limit)
    with transaction(write=False) as db:
        rows = [AuditRead.model_validate(r) for r in db.scalars(stmt)]
    emit_rows(rows, as_json, title="Audit log",
              columns=["seq", "at", "actor", "action", "target", "tenant"],
              row=lambda r: (r.seq, r.at.strftime("%Y-%m-%d %H:%M:%S"), r.actor, r.action,
                             f"{r.target_type}:{r.target_id}", r.tenant_finess))


@app.command("verify")
@handle_errors
def verify(as_json: bool = JsonOption) -> None:
    """Walk the hash chain; exit 1 and name the first bad record if it was tampered with."""
    with transaction(write=False) as db:
        result = audit.verify(db)
    shown = AuditVerification(
        ok=result.ok, first_bad=result.first_bad, checked=result.checked, reason=result.reason
    )
    if as_json:
        emit_json(shown)
    elif result.ok:
        console.print(f"audit chain intact: {result.checked} records checked")
    else:
        where = f"record id {result.first_bad}" if result.first_bad is not None else "chain end"
        errors.print(f"[red]audit chain broken at {where}[/red]: {result.reason}")
    if not result.ok:
        raise typer.Exit(1)
