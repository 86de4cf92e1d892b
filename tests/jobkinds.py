"""Job kinds used by the tests (loaded through SOCLE_PLUGINS, in-process and in workers).

Each step appends a line to the file named by the job's ``marker`` parameter, so a
test can count exactly how often each step's effect happened, across processes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from controlplane import jobs


def _mark(ctx: jobs.StepContext, line: str) -> None:
    with open(ctx.params["marker"], "a") as handle:
        handle.write(f"{line}\n")
        handle.flush()


def _prepare(ctx: jobs.StepContext) -> Mapping[str, Any]:
    _mark(ctx, "prepare")
    ctx.log("prepared")
    return {"prepared": True}


def _wait_for_release(ctx: jobs.StepContext) -> Mapping[str, Any]:
    """Marks its start, then waits for the ``release`` file (the test kills a worker here)."""
    _mark(ctx, "push-start")
    release = Path(ctx.params["release"])
    deadline = time.monotonic() + 60
    while not release.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.05)
    _mark(ctx, "push-done")
    return {"pushed": True}


def _finish(ctx: jobs.StepContext) -> Mapping[str, Any]:
    assert ctx.results["prepare"] == {"prepared": True}
    _mark(ctx, "finish")
    return {"done": ctx.job_id}


def _fail(ctx: jobs.StepContext) -> Mapping[str, Any]:
    _mark(ctx, "fail")
    raise RuntimeError("device refused the change")


def _undo(ctx: jobs.StepContext, message: str) -> None:
    _mark(ctx, f"rollback: {message}")


def _cancelled(db: Any, params: Mapping[str, Any]) -> None:
    """Marks the cancellation, and that it runs inside a transaction (a usable session)."""
    with open(params["marker"], "a") as handle:
        handle.write(f"cancelled: {db.is_active}\n")


jobs.register(jobs.JobKind(
    name="test.three-steps",
    steps=[jobs.Step("prepare", _prepare), jobs.Step("push", _wait_for_release),
           jobs.Step("finish", _finish)],
    on_cancel=_cancelled,
))
jobs.register(jobs.JobKind(
    name="test.quick",
    steps=[jobs.Step("prepare", _prepare), jobs.Step("finish", _finish)],
    on_cancel=_cancelled,
))
jobs.register(jobs.JobKind(
    name="test.failing",
    steps=[jobs.Step("prepare", _prepare), jobs.Step("push", _fail),
           jobs.Step("finish", _finish)],
    on_failure=_undo,
))
