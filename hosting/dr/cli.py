"""``socle hosting dr``: PRA plans, exercises (queued as a job a worker runs) and results."""

from __future__ import annotations

from datetime import date

import typer

from controlplane.cli.common import (
    JsonOption,
    WaitOption,
    emit_item,
    emit_rows,
    handle_errors,
    local_actor,
    transaction,
)
from controlplane.cli.job import follow
from hosting.backup.schemas import LocalExecutorSpec, SshExecutorSpec
from hosting.dr import flows
from hosting.dr import service as dr
from hosting.dr.evidence import answered_with_data
from hosting.dr.models import DrExercise, DrPlan
from hosting.dr.schemas import DrExerciseRead, DrPlanCreate, DrPlanRead, RecoveryHostSet
from hosting.errors import store
from hosting.secrets import SECRETS

app = typer.Typer(help="PRA: disaster-recovery plans and their exercises.", no_args_is_help=True)

SshPortOption = typer.Option(22, "--ssh-port", help="The recovery host's SSH port.")
SshUserOption = typer.Option("root", "--ssh-user", help="Who Socle logs in as.")
SshKeyOption = typer.Option("", "--ssh-key-ref",
                            help=f"Where the private key is: {SECRETS.form}.")
SshHostKeyOption = typer.Option("", "--ssh-host-key",
                                help="The host's public key, 'ssh-ed25519 AAAA...' (pinned).")
ServicePortOption = typer.Option(0, "--service-port",
                                 help="The restarted service's port (0: any free port).")
WorkdirOption = typer.Option(None, "--workdir", help="Where exercises restore on the host.")


def recovery_host(
    host: str, *, ssh_port: int, ssh_user: str, ssh_key_ref: str, ssh_host_key: str,
    service_port: int, workdir: str | None,
) -> RecoveryHostSet:
    """The recovery host the options name: ``local`` (this machine) or one over SSH."""
    access = LocalExecutorSpec() if host == "local" else SshExecutorSpec(
        kind="ssh", host=host, port=ssh_port, user=ssh_user, key_ref=ssh_key_ref,
        host_key=ssh_host_key)
    return RecoveryHostSet(access=access, service_port=service_port, workdir=workdir)


@app.command("create")
@handle_errors
def create(
    subscription_id: int,
    rto_minutes: int = typer.Option(..., help="Recovery time objective."),
    rpo_minutes: int = typer.Option(..., help="Recovery point objective."),
    instance_type: str | None = typer.Option(None),
    image_id: str | None = typer.Option(None),
    recovery: str | None = typer.Option(
        None, "--recovery-host",
        help="Where exercises restore and restart the service: 'local' (this machine, the "
        "demo) or the secondary's recovery VM, reached over SSH (--ssh-*)."),
    ssh_port: int = SshPortOption,
    ssh_user: str = SshUserOption,
    ssh_key_ref: str = SshKeyOption,
    ssh_host_key: str = SshHostKeyOption,
    service_port: int = ServicePortOption,
    workdir: str | None = WorkdirOption,
    as_json: bool = JsonOption,
) -> None:
    """Record a subscription's PRA (the secondary provider is chosen and explained)."""
    body = DrPlanCreate(
        subscription_id=subscription_id,
        rto_minutes=rto_minutes,
        rpo_minutes=rpo_minutes,
        instance_type=instance_type,
        image_id=image_id,
        recovery_host=recovery_host(
            recovery, ssh_port=ssh_port, ssh_user=ssh_user, ssh_key_ref=ssh_key_ref,
            ssh_host_key=ssh_host_key, service_port=service_port, workdir=workdir,
        ) if recovery else None,
    )
    with transaction() as db:
        shown = DrPlanRead.model_validate(
            dr.create_plan(db, body, actor=local_actor(), today=date.today())
        )
    emit_item(shown, as_json)


@app.command("list")
@handle_errors
def list_plans(
    tenant: str | None = typer.Option(None, help="FINESS."), as_json: bool = JsonOption
) -> None:
    """List PRA plans."""
    with transaction(write=False) as db:
        rows = [DrPlanRead.model_validate(p) for p in db.scalars(dr.plan_query(tenant=tenant))]
    emit_rows(rows, as_json, title="PRA",
              columns=["id", "tenant", "subscription", "primary", "secondary", "RTO", "RPO"],
              row=lambda p: [p.id, p.tenant, p.subscription_id, p.primary_provider,
                             p.secondary_provider, f"{p.rto_minutes} min", f"{p.rpo_minutes} min"])


@app.command("show")
@handle_errors
def show(plan_id: int, as_json: bool = JsonOption) -> None:
    """Show a PRA: targets, protected resources, runbook, choice of secondary."""
    with transaction(write=False) as db:
        emit_item(DrPlanRead.model_validate(store.get(db, DrPlan, plan_id)), as_json)


@app.command("recovery-host")
@handle_errors
def set_recovery_host(
    plan_id: int,
    host: str = typer.Argument(..., help="'local' (this machine, the demo) or the recovery "
                               "VM's address, reached over SSH (--ssh-*)."),
    ssh_port: int = SshPortOption,
    ssh_user: str = SshUserOption,
    ssh_key_ref: str = SshKeyOption,
    ssh_host_key: str = SshHostKeyOption,
    service_port: int = ServicePortOption,
    workdir: str | None = WorkdirOption,
    as_json: bool = JsonOption,
) -> None:
    """Name the host a PRA's exercises restore onto and restart the service on."""
    body = recovery_host(host, ssh_port=ssh_port, ssh_user=ssh_user, ssh_key_ref=ssh_key_ref,
                         ssh_host_key=ssh_host_key, service_port=service_port, workdir=workdir)
    with transaction() as db:
        plan = store.get(db, DrPlan, plan_id)
        shown = DrPlanRead.model_validate(dr.set_recovery_host(db, plan, body,
                                                               actor=local_actor()))
    emit_item(shown, as_json)


@app.command("exercise")
@handle_errors
def exercise(
    plan_id: int,
    wait: bool = WaitOption,
    as_json: bool = JsonOption,
) -> None:
    """Queue an exercise of a PRA (a worker runs it: `socle worker`); --wait follows it.

    Followed, the exercise is shown once its job ended (with --json: the exercise and what
    it measured, not the job; the progress bar goes to stderr). Exit 1 unless it succeeded.
    """
    with transaction() as db:
        row, _ = flows.start_exercise(db, store.get(db, DrPlan, plan_id), actor=local_actor())
        shown = DrExerciseRead.model_validate(row)
    if not wait or shown.job_id is None:
        emit_item(shown, as_json)
        return
    try:
        follow(shown.job_id)  # not as_json: the JSON printed is the exercise's, below
    finally:
        with transaction(write=False) as db:
            ended = DrExerciseRead.model_validate(store.get(db, DrExercise, shown.id))
        emit_item(ended, as_json)


@app.command("exercises")
@handle_errors
def exercises(
    tenant: str | None = typer.Option(None, help="FINESS."),
    plan_id: int | None = typer.Option(None, "--plan"),
    as_json: bool = JsonOption,
) -> None:
    """List exercises with achieved RTO/RPO."""
    with transaction(write=False) as db:
        query = flows.exercise_query(tenant=tenant, plan_id=plan_id)
        rows = [DrExerciseRead.model_validate(e) for e in db.scalars(query)]
    emit_rows(rows, as_json, title="PRA exercises",
              columns=["id", "plan", "state", "RTO (s)", "RPO (s)", "met", "job"],
              row=lambda e: [e.id, e.plan_id, e.state, e.achieved_rto_seconds,
                             e.achieved_rpo_seconds,
                             _met(e), e.job_id])


def _met(exercise: DrExerciseRead) -> str:
    """Whether a finished exercise met its plan's targets, as the evidence judges it."""
    if exercise.state != "succeeded":
        return ""
    if not answered_with_data(exercise.details):
        return "unproven"  # recorded before the service was checked with the restored data
    return "yes" if exercise.rto_met and exercise.rpo_met else "no"


@app.command("exercise-show")
@handle_errors
def exercise_show(exercise_id: int, as_json: bool = JsonOption) -> None:
    """Show one exercise and what it measured."""
    with transaction(write=False) as db:
        emit_item(DrExerciseRead.model_validate(store.get(db, DrExercise, exercise_id)), as_json)
