"""Description of one simulated provider endpoint and its credentials."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal, cast

EndpointKind = Literal["s3", "ec2"]
ENDPOINT_KINDS: tuple[EndpointKind, ...] = ("s3", "ec2")

_ACCESS_KEY_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An S3 or EC2 endpoint with the credentials that open it (secret kept out of repr)."""

    name: str
    kind: EndpointKind
    url: str
    region: str
    access_key: str
    secret_key: str = field(repr=False)

    def boto3_kwargs(self) -> dict[str, str]:
        """Keyword arguments for ``boto3.client(service, **kwargs)`` against this endpoint."""
        return {
            "endpoint_url": self.url,
            "region_name": self.region,
            "aws_access_key_id": self.access_key,
            "aws_secret_access_key": self.secret_key,
        }

    def to_dict(self) -> dict[str, str]:
        """Plain dict (secret included) for the state file."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> Endpoint:
        """Inverse of :meth:`to_dict`; rejects an unknown kind."""
        if data["kind"] not in ENDPOINT_KINDS:
            raise ValueError(f"unknown endpoint kind {data['kind']!r}")
        return cls(
            name=data["name"],
            kind=cast(EndpointKind, data["kind"]),
            url=data["url"],
            region=data["region"],
            access_key=data["access_key"],
            secret_key=data["secret_key"],
        )


def new_credentials() -> tuple[str, str]:
    """A fresh (access key, secret key) pair shaped like AWS ones (20 and 40 characters)."""
    access_key = "SOCLE" + "".join(secrets.choice(_ACCESS_KEY_ALPHABET) for _ in range(15))
    return access_key, secrets.token_urlsafe(30)
