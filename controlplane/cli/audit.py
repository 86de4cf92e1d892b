"""``socle audit``: read, verify and export the audit chain, and rotate its key."""

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
    local_actor,
    transaction,
)
from controlplane.schemas import AuditRead, AuditVerification

app = typer.Typer(help="The append-only, HMAC-chained audit log.", no_args_is_help=True)


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
    """Walk the chain with its keys; exit 1 and name the first bad record if it was
    tampered with."""
    with transaction(write=False) as db:
        result = audit.verify(db)
    shown = AuditVerification(
        ok=result.ok, first_bad=result.first_bad, first_bad_seq=result.first_bad_seq,
        checked=result.checked, reason=result.reason,
    )
    if as_json:
        emit_json(shown)
    elif result.ok:
        console.print(f"audit chain intact: {result.checked} records checked")
    else:
        where = (f"seq {result.first_bad_seq} (record id {result.first_bad})"
                 if result.first_bad is not None else "chain end")
        errors.print(f"[red]audit chain broken at {where}[/red]: {result.reason}")
    if not result.ok:
        raise typer.Exit(1)


@app.command("rotate-key")
@handle_errors
def rotate_key(as_json: bool = JsonOption) -> None:
    """Make a new chain key: later records are chained with it; old keys are kept (in
    SOCLE_DATA_DIR/secrets/audit/) to verify older records. The key is never shown."""
    with transaction() as db:
        key = audit.rotate_key(db, actor=local_actor())
    if as_json:
        emit_json({"key_id": key.key_id, "from_seq": key.from_seq})
    else:
        console.print(f"audit chain key {key.key_id}: records from seq {key.from_seq} on")


@app.command("export")
@handle_errors
def export(
    jsonl: bool = typer.Option(
        True, "--jsonl", help="JSON lines: one record per line (the only format)."
    ),
    since: int = typer.Option(0, min=0, help="Only the records after this seq."),
) -> None:
    """Write the records, oldest first, to stdout for a SIEM: each line one JSON object
    with its seq, hash and key id (resume with --since the last seq read)."""
    with transaction(write=False) as db:
        for line in audit.export_lines(db, since=since):
            typer.echo(line)
