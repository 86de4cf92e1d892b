"""``socle tenant``: establishments."""

from __future__ import annotations

import typer

from controlplane import tenants
from controlplane.cli.common import (
    JsonOption,
    emit_json_or_table,
    emit_rows,
    handle_errors,
    local_actor,
    transaction,
)
from controlplane.schemas import TenantCreate, TenantRead, TenantUpdate

app = typer.Typer(help="Establishments (tenants), addressed by FINESS.", no_args_is_help=True)


def _show(tenant: TenantRead, as_json: bool) -> None:
    emit_json_or_table(tenant, as_json, title=f"Tenant {tenant.finess}", columns=["field", "value"],
                       rows=list(tenant.model_dump(mode="json").items()))


@app.command("create")
@handle_errors
def create(
    finess: str = typer.Option(..., help="9-character FINESS number."),
    name: str = typer.Option(..., help="Establishment name."),
    kind: str = typer.Option(..., help="ES, EMS, ESMS, LBM, CDS, MSP, PS or GCS."),
    department: str | None = typer.Option(None, help="Defaults to the FINESS number's."),
    as_json: bool = JsonOption,
) -> None:
    """Register an establishment."""
    data = TenantCreate(finess=finess, name=name, kind=kind, department=department)
    with transaction() as db:
        tenant = TenantRead.model_validate(tenants.create(db, data, actor=local_actor()))
    _show(tenant, as_json)


@app.command("list")
@handle_errors
def list_(
    kind: str | None = typer.Option(None),
    department: str | None = typer.Option(None),
    q: str | None = typer.Option(None, help="Name or FINESS contains."),
    as_json: bool = JsonOption,
) -> None:
    """List establishments."""
    with transaction(write=False) as db:
        rows = [
            TenantRead.model_validate(t)
            for t in db.scalars(tenants.list_query(kind=kind, department=department, q=q))
        ]
    emit_rows(rows, as_json, title="Tenants", columns=["FINESS", "name", "kind", "dept", "active"],
              row=lambda t: (t.finess, t.name, t.kind.value, t.department, t.active))


@app.command("show")
@handle_errors
def show(finess: str, as_json: bool = JsonOption) -> None:
    """Show one establishment."""
    with transaction(write=False) as db:
        tenant = TenantRead.model_validate(tenants.get_by_finess(db, finess))
    _show(tenant, as_json)


@app.command("update")
@handle_errors
def update(
    finess: str,
    name: str | None = typer.Option(None),
    kind: str | None = typer.Option(None),
    active: bool | None = typer.Option(None, "--active/--inactive"),
    as_json: bool = JsonOption,
) -> None:
    """Change an establishment's name, kind or active flag."""
    data = TenantUpdate(name=name, kind=kind, active=active)
    with transaction() as db:
        tenant = tenants.update(db, tenants.get_by_finess(db, finess), data, actor=local_actor())
        shown = TenantRead.model_validate(tenant)
    _show(shown, as_json)
