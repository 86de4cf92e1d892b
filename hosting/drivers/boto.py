"""The boto3 client both drivers build: short timeouts, one retry, explicit keys."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(
    connect_timeout=5, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"}
)


def client(service: str, *, endpoint: str, region: str, access_key: str, secret_key: str) -> Any:
    """A boto3 client for ``service`` ("s3", "ec2") at a provider's endpoint."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=_CONFIG,
    )
