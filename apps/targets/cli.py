"""``socle apps targets|add-target|update-target|remove-target``: the hosts.
"""

from __future__ import annotations

import typer

from apps.catalogue.cli import JSON
from apps.errors import store
from apps.targets import service as targets
from apps.targets.models import AppTarget
from apps.targets.schemas import TargetCreate, TargetUpdate
from controlplane.cli.common import (
    emit_item,
    emit_rows,
    handle_errors,
    local_actor,
    transaction,
)

app = typer.Typer()



@app.command("targets")
@handle_errors
def list_targets(as_json: bool = JSON) -> None:
    """Targets (hosts), with their network site's access."""
    with transaction(write=False) as db:
        rows = targets.reads(db, list(db.scalars(targets.target_query())))
    emit_rows(rows, as_json, title="Targets",
              columns=["name", "address", "connection", "prefix", "site", "access", "VM"],
              row=lambda t: (t.name, t.address, t.connection, t.prefix, t.site, t.network_access,
                             t.hosting_instance))


@app.command("add-target")
@handle_errors
def add_target(
    name: str,
    address: str | None = typer.Argument(None, help="Defaults to the VM's address with --vm."),
    connection: str = typer.Option("ssh", help="ssh or local."),
    prefix: str = typer.Option("/srv/socle"),
    site: str | None = typer.Option(None, help="Network site code (its access: THD, MPLS)."),
    vm: str | None = typer.Option(None, help="Instance id of a hosting-plane VM."),
    ssh_port: int = typer.Option(22),
    ssh_user: str | None = typer.Option(None),
    as_json: bool = JSON,
) -> None:
    """Register a target, by address or as a hosting-plane VM."""
    body = TargetCreate(name=name, address=address, connection=connection, prefix=prefix,
                        site=site, hosting_instance=vm, ssh_port=ssh_port, ssh_user=ssh_user)
    with transaction() as db:
        item = targets.reads(db, [targets.create_target(db, body, actor=local_actor())])[0]
    emit_item(item, as_json)


@app.command("update-target")
@handle_errors
def update_target(
    name: str,
    address: str | None = typer.Option(None),
    connection: str | None = typer.Option(None, help="ssh or local."),
    prefix: str | None = typer.Option(None),
    site: str | None = typer.Option(None, help="Network site code."),
    no_site: bool = typer.Option(False, "--no-site", help="Take the target off its site."),
    ssh_port: int | None = typer.Option(None),
    ssh_user: str | None = typer.Option(None),
    as_json: bool = JSON,
) -> None:
    """Change how a target is reached or where it stands (only the options given)."""
    given = {"address": address, "connection": connection, "prefix": prefix, "site": site,
             "ssh_port": ssh_port, "ssh_user": ssh_user}
    values = {k: v for k, v in given.items() if v is not None}
    if no_site:
        values["site"] = None
    with transaction() as db:
        target = store.by_key(db, AppTarget, name)
        changed = targets.update_target(db, target, TargetUpdate(**values), actor=local_actor())
        item = targets.reads(db, [changed])[0]
    emit_item(item, as_json)


@app.command("remove-target")
@handle_errors
def remove_target(name: str) -> None:
    """Remove a target nothing runs on."""
    with transaction() as db:
        targets.delete_target(db, store.by_key(db, AppTarget, name), actor=local_actor())
    typer.echo(f"target {name} removed")
