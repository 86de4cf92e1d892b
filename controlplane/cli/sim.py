"""``socle sim``: the simulated region on loopback (routers, agents, storage, clouds), and
the faults it can be told to have (``socle sim fault inject|list|clear``)."""

from __future__ import annotations

from collections.abc import Callable

import typer

from controlplane import plugins, simulation
from controlplane.audit import redact
from controlplane.cli.common import (
    JsonOption,
    console,
    emit_json_or_table,
    emit_result,
    emit_rows,
    errors,
    handle_errors,
    transaction,
)
from controlplane.errors import InvalidInput, SocleError
from controlplane.faults import Fault, FaultBook, FaultKind, parse_duration
from controlplane.settings import get_settings

app = typer.Typer(help="Start, stop and inspect the simulated region.", no_args_is_help=True)
fault_app = typer.Typer(help="Faults of the simulated region (a dead circuit, a provider "
                             "down...), honoured by the simulators until cleared.",
                        no_args_is_help=True)
app.add_typer(fault_app, name="fault")


@app.command("up")
def up() -> None:
    """Start every simulator the planes declare (already running ones are kept)."""
    data_dir = get_settings().data_dir
    simulators = plugins.plane_simulators()
    with console.status("starting the simulated region") as status:
        for simulator in simulators:
            status.update(f"starting {simulator.name}: {simulator.description}")
            try:
                simulation.start(simulator, data_dir)
            except simulation.SimulationError as exc:
                errors.print(f"[red]error[/red] {exc}")
                raise typer.Exit(1) from None
            console.print(f"[green]up[/green] {simulator.name}: {simulator.description}")
    console.print(f"{len(simulators)} simulator(s) running; state in "
                  f"{simulation.sim_dir(data_dir)}")


@app.command("down")
def down() -> None:
    """Stop every simulator."""
    data_dir = get_settings().data_dir
    try:  # first: undoing a damaged pack needs its provider running
        cleared = _clear(FaultBook.of_region(data_dir), None)
    except SocleError as exc:
        errors.print(f"[red]error[/red] {exc}")
        cleared = []
    if cleared:
        console.print(f"{len(cleared)} fault(s) cleared")
    for simulator in plugins.plane_simulators():
        if simulation.stop(simulator, data_dir):
            console.print(f"stopped {simulator.name}")


@app.command("status")
def status(as_json: bool = JsonOption) -> None:
    """Show which simulators run (secrets masked); exit 1 if any is down."""
    rows = simulation.status(plugins.plane_simulators(), get_settings().data_dir)
    emit_json_or_table([{"name": r.name, "pid": r.pid, "running": r.running,
                         "state": redact(r.state)} for r in rows], as_json,
                       title="Simulated region", columns=["simulator", "pid", "running"],
                       rows=[(r.name, r.pid, r.running) for r in rows])
    if not all(r.running for r in rows):
        raise typer.Exit(1)


def _book() -> FaultBook:
    return FaultBook.of_region(get_settings().data_dir)


def _heal(kind: FaultKind, book: FaultBook) -> Callable[[Fault], None]:
    def undo(fault: Fault) -> None:
        assert kind.heal is not None
        with transaction(write=False) as db:
            kind.heal(db, fault, book.folder(fault))
    return undo


def _clear(book: FaultBook, fault_id: str | None) -> list[Fault]:
    """Clear one fault or all, undoing the damage of those that did some."""
    undo = {kind.name: _heal(kind, book)
            for kind in plugins.plane_fault_kinds().values() if kind.heal is not None}
    return book.clear(fault_id, undo=undo)


@fault_app.command("inject")
@handle_errors
def inject(
    kind: str = typer.Argument(..., help="The fault's kind (see `socle sim fault kinds`)."),
    target: str = typer.Argument(..., help="What it strikes: a device, a provider..."),
    lasting: str | None = typer.Option(None, "--for", help="How long: 90s, 4m, 2h (default: "
                                                             "until cleared)."),
    neighbour: str | None = typer.Option(None, help="bgp-down: only this BGP neighbour."),
    interface: str | None = typer.Option(None, help="interface-down: the interface (name "
                                         "or ifIndex)."),
    s3: bool = typer.Option(False, "--s3", help="provider-down: its S3 endpoint."),
    ec2: bool = typer.Option(False, "--ec2", help="provider-down: its EC2 endpoint."),
    delay_ms: float | None = typer.Option(None, help="slow-link: added delay, ms."),
    loss_pct: float | None = typer.Option(None, help="slow-link: packets lost, %."),
    tenant: str | None = typer.Option(None, help="corrupt-pack: the establishment (FINESS) "
                                      "whose restic repository is damaged."),
    as_json: bool = JsonOption,
) -> None:
    """Inject a fault: the simulators honour it within a second, until it ends or is
    cleared."""
    kinds = plugins.plane_fault_kinds()
    fault_kind = kinds.get(kind)
    if fault_kind is None:
        raise InvalidInput.on("kind", f"{kind!r}: one of {', '.join(sorted(kinds))}")
    given = {name: value for name, value in
             (("neighbour", neighbour), ("interface", interface), ("s3", s3 or None),
              ("ec2", ec2 or None),
              ("delay_ms", delay_ms), ("loss_pct", loss_pct), ("tenant", tenant))
             if value is not None}
    for name in given:
        if name not in fault_kind.options:
            raise InvalidInput.on(name, f"{kind} takes no --{name.replace('_', '-')}")
    if lasting and not fault_kind.timed:
        raise InvalidInput.on("for", f"{kind} lasts until cleared")
    duration = parse_duration(lasting) if lasting else None
    book = _book()
    with transaction(write=False) as db:
        selectors = fault_kind.resolve(db, target, given)
        fault = book.inject(kind, target, options=given, selectors=selectors, lasting=duration)
        if fault_kind.strike is not None:
            try:
                fault_kind.strike(db, fault, book.folder(fault))
            except BaseException:
                book.clear(fault.id)
                raise
    until = f"until {fault.ends_at:%H:%M:%S} UTC" if fault.ends_at else "until cleared"
    emit_result(fault.to_json(), as_json, f"fault {fault.id}: {kind} on {target}, {until}")


@fault_app.command("list")
def list_faults(as_json: bool = JsonOption) -> None:
    """The faults holding now, with their start and end."""
    emit_rows([fault.to_json() for fault in _book().faults()], as_json, title="Faults",
              columns=["id", "kind", "target", "options", "started_at", "ends_at"])


@fault_app.command("clear")
@handle_errors
def clear(
    fault_id: str | None = typer.Argument(None, help="The fault to clear."),
    every: bool = typer.Option(False, "--all", help="Clear every fault."),
) -> None:
    """Clear one fault, or every fault with --all."""
    if (fault_id is None) == (not every):
        raise InvalidInput.on("id", "name one fault, or give --all")
    gone = _clear(_book(), None if every else fault_id)
    console.print(f"{len(gone)} fault(s) cleared")


@fault_app.command("kinds")
def kinds(as_json: bool = JsonOption) -> None:
    """The fault kinds the planes' simulators honour."""
    emit_rows([{"kind": k.name, "description": k.description, "options": list(k.options)}
               for k in sorted(plugins.plane_fault_kinds().values(), key=lambda k: k.name)],
              as_json, title="Fault kinds", columns=["kind", "description", "options"])
