"""``socle hosting backup``: policies, backups, retention, restore tests, integrity checks,
supervision.

``run``, ``retention``, ``restore-test``, ``check`` and ``rotate-key`` queue a job; ``--wait``
follows it with a progress bar (a worker must be running: the embedded one or ``socle
worker``), ``--here`` runs it in this process and follows it (exit 1 unless it succeeded).
"""

from __future__ import annotations

from pathlib import Path

import typer

from controlplane.cli.common import (
    HereOption,
    JsonOption,
    WaitOption,
    emit_item,
    emit_result,
    emit_rows,
    handle_errors,
    local_actor,
    transaction,
)
from controlplane.cli.job import follow
from controlplane.db import utcnow
from controlplane.models import Job
from controlplane.schemas import JobSummary
from hosting.backup import flows, policies, rotation, service
from hosting.backup.schemas import (
    AlertRead,
    BackupStatusRead,
    CheckRead,
    CheckStart,
    LocalExecutorSpec,
    PolicyRead,
    PolicySet,
    RestoreTestRead,
    RestoreTestStart,
    RunRead,
    SshExecutorSpec,
)
from hosting.errors import store
from hosting.secrets import SECRETS
from hosting.subscriptions.models import Subscription

app = typer.Typer(help="Backups with restic: policies, runs, restore tests, RPO.",
                  no_args_is_help=True)


def _queued(job: Job, wait: bool, here: bool, as_json: bool) -> None:
    if wait or here:
        follow(job.id, here=here, as_json=as_json)
        return
    summary = JobSummary.model_validate(job)
    emit_result(summary, as_json, f"job {summary.id} queued ({summary.kind})")


@app.command("policy")
@handle_errors
def policy(
    subscription_id: int,
    source: Path = typer.Option(..., help="Absolute path to back up on the host."),
    ssh_host: str | None = typer.Option(None, help="Run restic on this host over SSH."),
    ssh_port: int = typer.Option(22),
    ssh_user: str = typer.Option("root"),
    ssh_key_ref: str = typer.Option("", help=f"Where the private key is: {SECRETS.form}."),
    ssh_host_key: str = typer.Option("", help="The host's public key, 'ssh-ed25519 AAAA...'."),
    restore_test_days: int = typer.Option(7, min=1, max=366),
    as_json: bool = JsonOption,
) -> None:
    """Set what a backup subscription backs up and where restic runs."""
    executor = (
        SshExecutorSpec(kind="ssh", host=ssh_host, port=ssh_port, user=ssh_user,
                        key_ref=ssh_key_ref, host_key=ssh_host_key)
        if ssh_host else LocalExecutorSpec()
    )
    body = PolicySet(source_path=str(source), executor=executor,
                     restore_test_days=restore_test_days)
    with transaction() as db:
        subscription = store.get(db, Subscription, subscription_id)
        shown = PolicyRead.model_validate(
            policies.configure(db, subscription, body, actor=local_actor()))
    emit_item(shown, as_json)


@app.command("run")
@handle_errors
def run(subscription_id: int, wait: bool = WaitOption, here: bool = HereOption,
        as_json: bool = JsonOption) -> None:
    """Back up a subscription now, to every copy."""
    with transaction() as db:
        job = service.start_backup(db, subscription_id, actor=local_actor())
    _queued(job, wait, here, as_json)


@app.command("rotate-key")
@handle_errors
def rotate_key(finess: str, wait: bool = WaitOption, here: bool = HereOption,
               as_json: bool = JsonOption) -> None:
    """Rotate an establishment's restic password on every repository of its backups."""
    with transaction() as db:
        job = rotation.start_rotation(db, finess, actor=local_actor())
    _queued(job, wait, here, as_json)


@app.command("retention")
@handle_errors
def retention(subscription_id: int, wait: bool = WaitOption, here: bool = HereOption,
              as_json: bool = JsonOption) -> None:
    """Apply the tier's retention now (restic forget --prune on every copy)."""
    with transaction() as db:
        job = service.start_retention(db, subscription_id, actor=local_actor())
    _queued(job, wait, here, as_json)


@app.command("restore-test")
@handle_errors
def restore_test(
    subscription_id: int,
    snapshot: str | None = typer.Option(None, help="Snapshot id (default: the latest)."),
    copy_index: int = typer.Option(0, "--copy", help="Which copy to restore from."),
    wait: bool = WaitOption,
    here: bool = HereOption,
    as_json: bool = JsonOption,
) -> None:
    """Restore a snapshot into scratch, verify checksums, measure the RTO."""
    body = RestoreTestStart(copy_index=copy_index, snapshot_id=snapshot)
    with transaction() as db:
        job = service.start_restore_test(db, subscription_id, body, actor=local_actor())
    _queued(job, wait, here, as_json)


@app.command("check")
@handle_errors
def check(
    subscription_id: int,
    percent: float | None = typer.Option(
        None, "--percent", min=0.1, max=100,
        help="Share (%) of each copy's data packs to read (default: "
             "SOCLE_HOSTING_BACKUP_CHECK_PERCENT); 100 reads them all."),
    wait: bool = WaitOption,
    here: bool = HereOption,
    as_json: bool = JsonOption,
) -> None:
    """Check every copy's integrity now (restic check, a share of the data read)."""
    with transaction() as db:
        job = service.start_check(db, subscription_id, CheckStart(subset_percent=percent),
                                  actor=local_actor())
    _queued(job, wait, here, as_json)


def _last_check(line: BackupStatusRead) -> str:
    """``ok 5% (3/20)`` / ``failed (corrupt) 100% (1/1)`` / ``-`` for the listing."""
    if line.last_check_state is None:
        return "-"
    state = "ok" if line.last_check_state == "succeeded" else \
        f"{line.last_check_state} ({line.last_check_reason})"
    group = f" ({line.last_check_group})" if line.last_check_group else ""
    return f"{state} {line.last_check_percent:g}%{group} {line.last_check_at:%Y-%m-%d %H:%M}"


@app.command("list")
@handle_errors
def list_backups(tenant: str | None = typer.Option(None, help="FINESS."),
                 as_json: bool = JsonOption) -> None:
    """Every copy with its last good snapshot, RPO status and last integrity check."""
    with transaction(write=False) as db:
        rows = service.status_of(db, list(db.scalars(service.repository_query(tenant=tenant))),
                                 utcnow())
    emit_rows(rows, as_json, title="Backups",
              columns=["subscription", "tenant", "copy", "provider", "immutable", "last snapshot",
                       "age (h)", "RPO (h)", "status", "last check", "alerts"],
              row=lambda r: (r.subscription_id, r.tenant, r.copy_index, r.provider, r.immutable,
                             r.last_snapshot_id or "-",
                             r.age_hours if r.age_hours is not None else "-", r.rpo_hours,
                             r.rpo_status.value, _last_check(r), r.open_alerts))


@app.command("runs")
@handle_errors
def runs(subscription_id: int | None = typer.Option(None, "--subscription"),
         limit: int = typer.Option(50, min=1, max=1000), as_json: bool = JsonOption) -> None:
    """Backup and retention runs, newest first."""
    with transaction(write=False) as db:
        rows = [RunRead.model_validate(r) for r in
                db.scalars(service.run_query(subscription_id=subscription_id).limit(limit))]
    emit_rows(rows, as_json, title="Runs",
              columns=["id", "copy repo", "kind", "state", "reason", "snapshot", "files",
                       "finished"],
              row=lambda r: (r.id, r.repository_id, r.kind, r.state, r.reason or "",
                             r.snapshot_id or "", r.files, r.finished_at))


@app.command("restore-tests")
@handle_errors
def restore_tests(limit: int = typer.Option(50, min=1, max=1000),
                  as_json: bool = JsonOption) -> None:
    """Restore tests, newest first, with their RTO."""
    with transaction(write=False) as db:
        rows = [RestoreTestRead.model_validate(r)
                for r in db.scalars(service.restore_test_query().limit(limit))]
    emit_rows(rows, as_json, title="Restore tests",
              columns=["id", "copy repo", "snapshot", "state", "files", "RTO (s)", "mismatches"],
              row=lambda r: (r.id, r.repository_id, r.snapshot_id, r.state, r.files_checked,
                             r.rto_seconds, len(r.mismatches)))


@app.command("checks")
@handle_errors
def checks(limit: int = typer.Option(50, min=1, max=1000), as_json: bool = JsonOption) -> None:
    """Integrity checks of the copies, newest first, with the packs found damaged."""
    with transaction(write=False) as db:
        rows = [CheckRead.model_validate(r) for r in db.scalars(service.check_query().limit(limit))]
    emit_rows(rows, as_json, title="Integrity checks",
              columns=["id", "copy repo", "data read (%)", "pack group", "state", "reason",
                       "damaged packs", "finished"],
              row=lambda r: (r.id, r.repository_id, f"{r.subset_percent:g}",
                             r.subset_group or "random", r.state,
                             r.reason or "", " ".join(p[:12] for p in r.damaged_packs),
                             r.finished_at))


@app.command("alerts")
@handle_errors
def alerts(all_alerts: bool = typer.Option(False, "--all", help="Include closed alerts."),
           as_json: bool = JsonOption) -> None:
    """Open backup alerts (late, failed, restore-failed, check-failed)."""
    with transaction(write=False) as db:
        rows = [AlertRead.model_validate(r)
                for r in db.scalars(service.alert_query(open_only=not all_alerts))]
    emit_rows(rows, as_json, title="Backup alerts",
              columns=["id", "copy repo", "kind", "raised", "cleared", "message"],
              row=lambda r: (r.id, r.repository_id, r.kind, r.raised_at, r.cleared_at or "",
                             r.message))


@app.command("schedule")
@handle_errors
def schedule(as_json: bool = JsonOption) -> None:
    """Run the scheduler's tick now: queue what is due, raise late alerts."""
    with transaction() as db:
        result = flows.tick(db, now=utcnow(), actor=local_actor())
    emit_result(result, as_json, result)
