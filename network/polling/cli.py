"""``socle network poll``: run the poller (a shard of the devices, with probe rounds),
show the devices' poll status, and say what to poll or probe."""

from __future__ import annotations

import asyncio
import signal

import typer
from rich.progress import Progress

from controlplane.cli.common import (
    JsonOption,
    console,
    emit_item,
    emit_rows,
    handle_errors,
    local_actor,
    transaction,
)
from controlplane.db import get_database
from controlplane.settings import get_settings
from network.polling import service
from network.polling.schemas import (
    CircuitMonitorRead,
    CircuitMonitorSet,
    DeviceMonitorRead,
    DeviceMonitorSet,
    PollState,
)
from network.polling.targets import Shard

app = typer.Typer(help="SNMP polling and active probes.", no_args_is_help=True)

STATUS_COLUMNS = ["device", "tenant", "state", "reason", "failures", "last_poll_at",
                  "last_ok_at"]


@app.command("run")
@handle_errors
def run(
    shard: str = typer.Option("1/1", help="This worker's shard of the devices, i/n."),
    interval: float | None = typer.Option(None, help="Seconds between cycles "
                                          "(default SOCLE_NETWORK_POLL_INTERVAL)."),
    cycles: int | None = typer.Option(None, min=1, help="Stop after N cycles (default: run "
                                      "until interrupted)."),
    probes: bool = typer.Option(True, help="Run a probe round after each cycle."),
    metrics_port: int | None = typer.Option(None, help="Serve /metrics on this port "
                                            "(127.0.0.1)."),
) -> None:
    """Poll this shard's devices every interval (and probe its circuits) until stopped."""
    from prometheus_client import start_http_server

    from network.polling.cycle import CycleReport, ShardPoller
    from network.probes.rounds import probe_round

    settings = get_settings()
    part = _shard(shard)
    database = get_database()
    if metrics_port is not None:
        start_http_server(metrics_port, addr="127.0.0.1")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        rounds: set[asyncio.Task[object]] = set()
        with Progress(console=console, transient=cycles is None) as progress:
            bar = progress.add_task(f"shard {part}", total=cycles)

            def report(cycle: CycleReport) -> None:
                progress.advance(bar)
                progress.console.print(
                    f"shard {cycle.shard}: {cycle.reachable}/{cycle.polled} answered"
                    f" in {cycle.duration:.2f} s" + "".join(
                        f"; {device} unreachable ({reason})"
                        for device, reason in sorted(cycle.unreachable.items())))
                if probes and not rounds:  # one probe round at a time, alongside polling
                    task = loop.create_task(probe_round(
                        database, shard=part, concurrency=settings.network_poll_concurrency))
                    rounds.add(task)
                    task.add_done_callback(rounds.discard)

            async with ShardPoller.from_settings(database, settings, shard=part) as poller:
                await poller.run(interval or settings.network_poll_interval, stop=stop,
                                 cycles=cycles, on_cycle=report)
            await asyncio.gather(*rounds)

    asyncio.run(main())


@app.command("status")
@handle_errors
def status(
    state: PollState | None = typer.Option(None, help="Only devices in this state."),
    as_json: bool = JsonOption,
) -> None:
    """Polled devices and their last poll status (unreachable: why)."""
    with transaction(write=False) as db:
        rows = [DeviceMonitorRead.model_validate(row)
                for row in db.scalars(service.device_monitor_query(state=state))]
    emit_rows(rows, as_json, title="Polled devices",
              columns=STATUS_COLUMNS,
              row=lambda r: [getattr(r, c) for c in STATUS_COLUMNS])


@app.command("circuits")
@handle_errors
def circuits(as_json: bool = JsonOption) -> None:
    """Observed circuits: interface polled and probe reflector."""
    with transaction(write=False) as db:
        rows = [CircuitMonitorRead.model_validate(row)
                for row in db.scalars(service.circuit_monitor_query())]
    columns = ["circuit", "tenant", "if_index", "probe_host", "probe_port"]
    emit_rows(rows, as_json, title="Observed circuits", columns=columns,
              row=lambda r: [getattr(r, c) for c in columns])


@app.command("device")
@handle_errors
def device(
    hostname: str = typer.Argument(..., help="Device hostname."),
    snmp_host: str | None = typer.Option(None, help="Address to poll (default: management)."),
    snmp_port: int = typer.Option(161),
    enabled: bool = typer.Option(True, help="--no-enabled stops polling it."),
    as_json: bool = JsonOption,
) -> None:
    """Poll a device over SNMP (SNMPv3 user and keys from the settings)."""
    body = DeviceMonitorSet(snmp_host=snmp_host, snmp_port=snmp_port, enabled=enabled)
    with transaction() as db:
        row = DeviceMonitorRead.model_validate(
            service.set_device_monitor(db, hostname, body, actor=local_actor()))
    emit_item(row, as_json)


@app.command("circuit")
@handle_errors
def circuit(
    ref: str = typer.Argument(..., help="Circuit ref."),
    if_index: int | None = typer.Option(None, help="ifIndex on the A-end device."),
    probe_host: str | None = typer.Option(None, help="The site's probe reflector address."),
    probe_port: int | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    """Say where a circuit is observed (interface polled, probe reflector)."""
    body = CircuitMonitorSet(if_index=if_index, probe_host=probe_host, probe_port=probe_port)
    with transaction() as db:
        row = CircuitMonitorRead.model_validate(
            service.set_circuit_monitor(db, ref, body, actor=local_actor()))
    emit_item(row, as_json)


def _shard(text: str) -> Shard:
    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--shard") from None
