"""The faults the simulated providers honour (``socle sim fault inject KIND TARGET``).

- ``provider-down PROVIDER [--s3] [--ec2]``: the provider's S3 endpoint and/or its EC2
  endpoint refuse connections (both when neither is named). The simulated region has one
  EC2 endpoint for every provider: taking it down takes it down for all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from controlplane.errors import InvalidInput
from controlplane.faults import FaultKind
from hosting.providers.models import HostingProvider
from hosting.sim.providers import FAULT_KIND


def _host_port(url: str) -> str:
    address = urlsplit(url)
    return f"{address.hostname}:{address.port or (443 if address.scheme == 'https' else 80)}"


def _provider_down(db: Session, target: str,
                   options: Mapping[str, Any]) -> Mapping[str, Sequence[str]]:
    provider = db.scalar(select(HostingProvider).where(HostingProvider.name == target))
    if provider is None:
        raise InvalidInput.on("target", f"no HDS provider {target!r}")
    both = not options.get("s3") and not options.get("ec2")
    urls = [url for wanted, url in ((options.get("s3") or both, provider.s3_endpoint),
                                    (options.get("ec2") or both, provider.ec2_endpoint))
            if wanted and url]
    if not urls:
        raise InvalidInput.on("target", f"{target} has no such endpoint")
    return {"endpoint": [_host_port(url) for url in urls]}


FAULT_KINDS = (
    FaultKind(FAULT_KIND, "an HDS provider's S3 and/or EC2 endpoints refuse connections",
              _provider_down, options=("s3", "ec2")),
)
