"""The faults the simulated routers honour (``socle sim fault inject KIND TARGET``).

- ``bgp-down DEVICE [--neighbour ADDRESS]``: the router's BGP sessions (or only the one to
  ADDRESS) stay Active, whatever its configuration: an MPLS→THD migration waiting for the
  THD session then times out and keeps the MPLS access.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.errors import InvalidInput
from controlplane.faults import FaultKind
from network.inventory.models import Device
from network.sim.device import BGP_DOWN


def _device(db: Session, hostname: str) -> Device:
    device = db.scalar(select(Device).where(Device.hostname == hostname.strip().lower()))
    if device is None:
        raise InvalidInput.on("target", f"no device {hostname!r}")
    return device


def _bgp_down(db: Session, target: str,
              options: Mapping[str, Any]) -> Mapping[str, Sequence[str]]:
    neighbour = options.get("neighbour")
    if neighbour is not None:
        try:
            ipaddress.ip_address(neighbour)
        except ValueError:
            raise InvalidInput.on("neighbour", f"{neighbour!r} is not an IP address") from None
    device = _device(db, target)
    return {"ssh": [f"{device.mgmt_address}:{device.mgmt_port}"]}


FAULT_KINDS = (
    FaultKind(BGP_DOWN, "a router's BGP sessions (or one neighbour's) stay down", _bgp_down,
              options=("neighbour",)),
)
