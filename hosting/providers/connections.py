"""Drivers for a provider, built from its endpoints and its resolved credential reference."""

from __future__ import annotations

from controlplane.settings import get_settings
from hosting.drivers import Compute, ObjectStorage
from hosting.drivers.ec2 import Ec2Compute
from hosting.drivers.s3 import S3Storage
from hosting.providers.models import HostingProvider
from hosting.secrets import Keys, resolve

DEFAULT_REGION = "eu-west-3"


def provider_keys(provider: HostingProvider) -> Keys:
    """The provider's keys (resolved now, never stored)."""
    return resolve(provider.credential_ref, data_dir=get_settings().data_dir)


def storage_for(provider: HostingProvider) -> ObjectStorage:
    """The object-storage driver of ``provider``."""
    keys = provider_keys(provider)
    return S3Storage(
        endpoint=provider.s3_endpoint or "",
        region=provider.s3_region or DEFAULT_REGION,
        access_key=keys.access_key,
        secret_key=keys.secret_key,
    )


def compute_for(provider: HostingProvider) -> Compute:
    """The compute driver of ``provider``."""
    keys = provider_keys(provider)
    return Ec2Compute(
        endpoint=provider.ec2_endpoint or "",
        region=provider.s3_region or DEFAULT_REGION,
        access_key=keys.access_key,
        secret_key=keys.secret_key,
    )
