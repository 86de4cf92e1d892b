"""The technical-check job (``ssi.checks``): each declared endpoint of an establishment
checked once (ports, TLS, SSH), one result per endpoint, a resumed job skipping the
endpoints it already checked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from controlplane import jobs
from controlplane.db import utcnow
from ssi.checks import addresses
from ssi.checks.models import CheckResult, CheckTarget
from ssi.checks.probe import Endpoint, check
from ssi.checks.service import CHECK_JOB


def _check_all(ctx: jobs.StepContext) -> Mapping[str, Any]:
    target_ids = [int(i) for i in ctx.params["target_ids"]]
    allowed = addresses.allowed_networks()
    done, failed = 0, 0
    for position, target_id in enumerate(target_ids):
        with ctx.read() as db:
            target = db.get(CheckTarget, target_id)
            already = db.scalar(select(CheckResult.id).where(
                CheckResult.job_id == ctx.job_id, CheckResult.target_id == target_id))
            endpoint = None if target is None else Endpoint(
                target.host, target.ports, target.expected_open, target.tls_ports,
                target.ssh_ports)
            name, tenant_id = (target.name, target.tenant_id) if target else ("?", 0)
        if endpoint is None or already is not None:
            ctx.progress(position + 1, len(target_ids))
            continue
        ctx.log(f"checking {name}")
        outcome = check(endpoint, now=utcnow(), allowed=allowed)
        with ctx.transaction() as db:
            db.add(CheckResult(
                tenant_id=tenant_id, target_id=target_id, job_id=ctx.job_id,
                checked_at=utcnow(), passed=outcome.passed, open_ports=outcome.open_ports,
                tls=[_jsonable(report) for report in outcome.tls], ssh=outcome.ssh,
                findings=[finding.as_dict() for finding in outcome.findings],
            ))
        done += 1
        failed += not outcome.passed
        ctx.log(f"{name}: {len(outcome.findings)} finding(s), "
                f"{'passed' if outcome.passed else 'failed'}")
        ctx.progress(position + 1, len(target_ids))
    return {"checked": done, "failed": failed}


def _jsonable(report: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in report.items()}


jobs.register(jobs.JobKind(
    name=CHECK_JOB,
    steps=[jobs.Step("check", _check_all)],
    description="Technical checks of an establishment's endpoints (ports, TLS, SSH).",
))
