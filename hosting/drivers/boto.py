"""The boto3 client both drivers build: short timeouts, one retry, explicit keys."""

from __future__ import annotations

from typing import Any

# boto3 takes a few hundred milliseconds to import: it is imported when a driver first
# talks to a provider, not when the hosting plane is imported (``socle --help``).


def client(service: str, *, endpoint: str, region: str, access_key: str, secret_key: str) -> Any:
    """A boto3 client for ``service`` ("s3", "ec2") at a provider's endpoint."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(
            connect_timeout=5, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"}
        ),
    )


def client_error() -> type[Exception]:
    """botocore's ``ClientError`` (the provider answered with an error code)."""
    from botocore.exceptions import ClientError

    return ClientError


def api_errors() -> tuple[type[Exception], ...]:
    """What a boto3 call raises when the provider refuses or cannot be reached."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (ClientError, BotoCoreError)
