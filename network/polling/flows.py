"""The monitoring plane's periodic work, as jobs a scheduler (or an operator) queues.

- ``network.poll-cycle``: one poll cycle of a shard (params ``shard``: "i/n", default
  "1/1") and one probe round, configured by the ``SOCLE_NETWORK_*`` settings; the
  event loop (and its one SNMP engine) lives for the step only.
- ``network.sla-events``: record the SLA breaches of a month (``month``: YYYY-MM,
  default the running one) as events.
- ``network.sla-retention``: purge per-minute SLA day rows older than
  ``SOCLE_NETWORK_SLA_RETENTION_DAYS``.

Every step is idempotent: a cycle merges minutes (a retry changes nothing already
known), events are recorded once per key, a purge of purged days deletes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from controlplane import jobs
from controlplane.settings import get_settings
from network.polling.targets import Shard
from network.sla import events
from network.sla.ingest import purge

POLL_JOB = "network.poll-cycle"
EVENTS_JOB = "network.sla-events"
RETENTION_JOB = "network.sla-retention"


def _poll(ctx: jobs.StepContext) -> Mapping[str, Any]:
    # pysnmp loads slowly: only the processes that poll pay for it
    from network.polling.cycle import ShardPoller
    from network.probes.rounds import probe_round

    settings = get_settings()
    shard = Shard.parse(str(ctx.params.get("shard", "1/1")))

    async def main() -> Mapping[str, Any]:
        async with ShardPoller.from_settings(ctx.database, settings, shard=shard) as poller:
            report = await poller.cycle()
        probes = await probe_round(ctx.database, shard=shard,
                                   concurrency=settings.network_poll_concurrency)
        return {"shard": report.shard, "polled": report.polled, "reachable": report.reachable,
                "unreachable": report.unreachable, "probed": len(probes.results)}

    result = asyncio.run(main())
    for device, reason in sorted(result["unreachable"].items()):
        ctx.log(f"{device}: unreachable ({reason})", level="warning")
    ctx.log(f"shard {result['shard']}: {result['reachable']}/{result['polled']} device(s) "
            f"answered, {result['probed']} probe run(s)")
    return result


def _events(ctx: jobs.StepContext) -> Mapping[str, Any]:
    with ctx.transaction() as db:
        created = events.detect(db, ctx.params.get("month"), actor=ctx.actor)
        found = [(e.period, e.circuit.ref, e.metric) for e in created]
    for period, ref, metric in found:
        ctx.log(f"{period} {ref}: {metric} under contract")
    return {"new_events": len(found)}


def _retention(ctx: jobs.StepContext) -> Mapping[str, Any]:
    keep = get_settings().network_sla_retention_days
    with ctx.transaction() as db:
        deleted = purge(db, keep_days=keep)
    ctx.log(f"{deleted} SLA day row(s) older than {keep} days purged")
    return {"deleted": deleted, "keep_days": keep}


for _name, _step, _description in (
    (POLL_JOB, jobs.Step("poll", _poll), "Poll a shard of the devices once and probe."),
    (EVENTS_JOB, jobs.Step("detect", _events), "Record SLA breaches as events."),
    (RETENTION_JOB, jobs.Step("purge", _retention), "Purge old per-minute SLA rows."),
):
    jobs.register(jobs.JobKind(name=_name, steps=[_step], description=_description))
