"""``socle sim``: the simulated region on loopback (routers, agents, storage, clouds)."""

from __future__ import annotations

import typer

from controlplane import plugins, simulation
from controlplane.audit import redact
from controlplane.cli.common import (
    JsonOption,
    console,
    emit_json_or_table,
    errors,
)
from controlplane.settings import get_settings

app = typer.Typer(help="Start, stop and inspect the simulated region.", no_args_is_help=True)


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
