"""``socle network sla``: the monthly SLA report, its breaches, and the contracts."""

from __future__ import annotations

from pathlib import Path

import typer

from controlplane.cli.common import (
    JsonOption,
    console,
    emit_item,
    emit_json_or_table,
    emit_rows,
    handle_errors,
    local_actor,
    transaction,
)
from network.inventory.schemas import ClassOfService, SlaClass
from network.sla import contracts, report, report_render, service
from network.sla.report import ReportFormat, ReportGroup
from network.sla.schemas import ContractCreate, ContractRead, GroupBy, SlaEventRead

app = typer.Typer(help="SLA: monthly report, breaches, contracts.", no_args_is_help=True)
contract_app = typer.Typer(help="SLA contracts per provider and class.", no_args_is_help=True)
app.add_typer(contract_app, name="contract")

REPORT_COLUMNS = ["key", "circuits", "availability_pct", "unknown_minutes", "maintenance_minutes",
                  "rtt_p95_ms", "jitter_p95_ms", "loss_pct", "breaching_circuits",
                  "penalty_cents"]


@app.command("show")
@handle_errors
def show(
    period: str = typer.Option(..., help="Month as YYYY-MM (Europe/Paris)."),
    group_by: GroupBy = typer.Option(GroupBy.CIRCUIT, case_sensitive=False),
    circuit: str | None = typer.Option(None, help="Only this circuit ref."),
    provider: str | None = typer.Option(None, help="Only this provider's circuits."),
    as_json: bool = JsonOption,
) -> None:
    """The SLA of a month per circuit, provider or department."""
    with transaction(write=False) as db:
        found = service.report(db, period, group_by, circuit=circuit, provider=provider)
    lines = [line.model_dump(mode="json") for line in found.lines]
    emit_json_or_table(found, as_json, columns=REPORT_COLUMNS,
                       title=f"SLA {found.period} ({found.timezone}) by {found.group_by}",
                       rows=[[line[c] for c in REPORT_COLUMNS] for line in lines])


@app.command("breaches")
@handle_errors
def breaches(
    first: str = typer.Option(..., "--from", help="First month, YYYY-MM."),
    last: str = typer.Option(..., "--to", help="Last month, YYYY-MM."),
    circuit: str | None = typer.Option(None),
    provider: str | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    """Contract targets missed over a range of months."""
    with transaction(write=False) as db:
        found = service.breaches(db, first, last, circuit=circuit, provider=provider)
    emit_rows(found, as_json, title="SLA breaches",
              columns=["period", "circuit", "provider", "metric", "target", "measured",
                       "penalty_cents"])


@contract_app.command("create")
@handle_errors
def contract_create(
    provider: str = typer.Option(...),
    sla_class: SlaClass = typer.Option(..., case_sensitive=False),
    cos: ClassOfService | None = typer.Option(
        None, case_sensitive=False,
        help="Class of service the latency, jitter and loss targets are measured in "
             "(default: each circuit's top class)."),
    availability: float = typer.Option(..., help="Availability target, %."),
    latency: float = typer.Option(..., help="RTT p95 target, ms."),
    jitter: float = typer.Option(..., help="Jitter p95 target, ms."),
    loss: float = typer.Option(..., help="Loss target, %."),
    monthly_fee_cents: int = typer.Option(..., help="Monthly fee of one circuit, cents."),
    penalty_step: float = typer.Option(0.1, help="Availability points per penalty step."),
    penalty_per_step: float = typer.Option(5.0, help="% of the fee per started step."),
    penalty_cap: float = typer.Option(30.0, help="Penalty cap, % of the fee."),
    as_json: bool = JsonOption,
) -> None:
    """Record a provider's contract for an SLA class."""
    data = ContractCreate(
        provider=provider, sla_class=sla_class, cos=cos, availability_pct=availability,
        latency_p95_ms=latency, jitter_p95_ms=jitter, loss_pct=loss,
        monthly_fee_cents=monthly_fee_cents, penalty_step_pct=penalty_step,
        penalty_pct_per_step=penalty_per_step, penalty_cap_pct=penalty_cap,
    )
    with transaction() as db:
        item = ContractRead.model_validate(contracts.create_contract(db, data, actor=local_actor()))
    emit_item(item, as_json)


@contract_app.command("list")
@handle_errors
def contract_list(provider: str | None = typer.Option(None), as_json: bool = JsonOption) -> None:
    """List SLA contracts."""
    with transaction(write=False) as db:
        items = [ContractRead.model_validate(c)
                 for c in db.scalars(contracts.contract_query(provider=provider))]
    emit_rows(items, as_json, title="SLA contracts",
              columns=["id", "provider", "sla_class", "availability_pct", "latency_p95_ms",
                       "jitter_p95_ms", "loss_pct", "monthly_fee_cents"])


@app.command("events")
@handle_errors
def list_events(
    period: str | None = typer.Option(None, help="Only this month, YYYY-MM."),
    circuit: str | None = typer.Option(None),
    detect: bool = typer.Option(False, help="First record the month's new breaches "
                                "(default month: the running one)."),
    as_json: bool = JsonOption,
) -> None:
    """SLA-breach events Socle recorded (once per circuit, month and metric)."""
    from network.sla import events

    if detect:
        with transaction() as db:
            events.detect(db, period, actor=local_actor())
    with transaction(write=False) as db:
        items = [SlaEventRead.model_validate(e) for e in
                 db.scalars(events.event_query(period=period, circuit=circuit, db=db))]
    emit_rows(items, as_json, title="SLA-breach events",
              columns=["period", "circuit", "metric", "target", "measured", "detected_at"])


@app.command("report")
@handle_errors
def report_document(
    period: str = typer.Option(..., help="Month as YYYY-MM (Europe/Paris)."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    fmt: ReportFormat = typer.Option(ReportFormat.HTML, "--format", case_sensitive=False),
    group_by: ReportGroup = typer.Option(ReportGroup.PROVIDER, case_sensitive=False),
    to: str | None = typer.Option(None, help="Last month, for a report of several months."),
    provider: str | None = typer.Option(None, help="Only this provider's circuits."),
) -> None:
    """Write the monthly SLA report per provider or department (HTML, PDF or CSV)."""
    with console.status(f"SLA report from {period}: computing each month and its days..."):
        with transaction(write=False) as db:
            found = report.build(db, period, to=to, group_by=group_by, provider=provider)
        content = report_render.render(found, fmt)
    output.write_bytes(content)
    unknown = sum(s.unknown_minutes for s in found.sections)
    console.print(f"{output}: {found.title} ({fmt.value}, {len(content)} bytes; "
                  f"{unknown} minute(s) without samples)")
