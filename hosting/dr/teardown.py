"""Tearing down what a PRA exercise made, found again by its tags and its key.

At the secondary's EC2 endpoint: every instance and volume carrying the exercise's tags.
On the recovery host: the service started there and the exercise's folder (the
restored data). Each side is torn down even when the other cannot be reached, and the
answer says what was removed, what is left and what could not be checked: an exercise
is clean only when both sides were reached and nothing is left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from controlplane.errors import SocleError
from hosting.drivers import DriverError
from hosting.drivers.dr import DrCompute
from hosting.drivers.recovery import RecoveryHost


@dataclass(frozen=True)
class Made:
    """Where an exercise's things are: its tags at ``provider``'s EC2 endpoint, its key
    on the recovery host (``host`` raises :class:`DriverError` when it cannot be built;
    None when the plan names no recovery host: nothing was made there)."""

    provider: str
    compute: Callable[[], DrCompute]
    labels: dict[str, str]
    key: str
    host: Callable[[], RecoveryHost] | None


def tear_down(made: Made) -> dict[str, Any]:
    """Remove everything of ``made`` that can be reached; what was removed, what is left,
    and the ``errors`` of the sides that could not be checked."""
    removed: dict[str, Any] = {
        "instances": [], "volumes": [], "recovery_host": None,
        "left": {"instances": [], "volumes": [], "recovery_host": []}, "errors": [],
    }
    try:
        compute = made.compute()
        found = compute.tagged(made.labels)
        left = compute.teardown(made.labels)
        removed.update(instances=found.instances, volumes=found.volumes)
        removed["left"].update(instances=left.instances, volumes=left.volumes)
    except (DriverError, SocleError) as exc:  # unreachable, or its keys unresolvable
        removed["errors"].append(f"EC2 at {made.provider}: {exc}")
    if made.host is not None:
        try:
            host = made.host()
            removed["recovery_host"] = host.where
            removed["left"]["recovery_host"] = host.teardown(made.key)
        except DriverError as exc:
            removed["errors"].append(str(exc))
    return removed


def clean(removed: dict[str, Any]) -> bool:
    """Both sides were reached and nothing is left."""
    return not removed["errors"] and not any(removed["left"].values())


def summary(removed: dict[str, Any]) -> str:
    """What a teardown could not do, in one line."""
    left = {side: items for side, items in removed["left"].items() if items}
    return "; ".join([*removed["errors"], *([f"left {left}"] if left else [])])
