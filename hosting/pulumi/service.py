"""A subscription's resources as a Pulumi program (Python, ``pulumi_aws``).

The program declares one ``aws.Provider`` per HDS provider the subscription uses,
pointed at that provider's S3/EC2 endpoints, and each provisioned resource (buckets
with their Object Lock rule, instances, volumes and their attachment) with the tags
Socle gave it. Every resource is declared with ``import_`` set to the provider's
identifier, so ``pulumi up`` adopts what exists instead of creating duplicates, and
locked buckets are ``protect``-ed. Keys are never in the program: they are read from
the stack's secret configuration (``<provider>-access-key``, ``<provider>-secret-key``).

The text is generated here (literals through :func:`repr`, never pasted raw), so
Socle needs no Pulumi package at run time. The Pulumi CLI is not available on the
Socle server: the program is meant to be run elsewhere, or unit-tested with
``pulumi.runtime.set_mocks`` as the test suite does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy.orm import Session

from hosting.drivers import TAG_REQUEST, TAG_RESOURCE, TAG_TENANT
from hosting.errors import store
from hosting.providers.models import HostingProvider
from hosting.subscriptions.models import HostingRequest, Resource, Subscription

ATTACH_DEVICE = "/dev/sdf"  # where the EC2 driver attaches a subscription's volume


def identifier(name: str, prefix: str = "") -> str:
    """A Python identifier made of ``name`` (``hds-a`` → ``hds_a``)."""
    cleaned = re.sub(r"\W", "_", name).strip("_").lower() or "x"
    return f"{prefix}{cleaned}" if prefix or not cleaned[0].isdigit() else f"r_{cleaned}"


def _provider_block(provider: HostingProvider) -> list[str]:
    endpoints = {"s3": provider.s3_endpoint, "ec2": provider.ec2_endpoint}
    given = ", ".join(f"{k}={v!r}" for k, v in endpoints.items() if v)
    var = identifier(provider.name, "provider_")
    return [
        f"# {provider.name}: HDS activities {provider.certificate_activities}, "
        f"{provider.location} ({provider.country})",
        f"{var} = aws.Provider(",
        f"    {provider.name!r},",
        f"    region={provider.s3_region or 'eu-west-3'!r},",
        f"    access_key=config.require_secret({provider.name + '-access-key'!r}),",
        f"    secret_key=config.require_secret({provider.name + '-secret-key'!r}),",
        f"    endpoints=[aws.ProviderEndpointArgs({given})],",
        "    s3_use_path_style=True,",
        "    skip_credentials_validation=True,",
        "    skip_metadata_api_check=True,",
        "    skip_region_validation=True,",
        "    skip_requesting_account_id=True,",
        ")",
        "",
    ]


def _options(resource: Resource, import_id: str, *, protect: bool = False) -> str:
    parts = [
        f"provider={identifier(resource.provider.name, 'provider_')}",
        f"import_={import_id!r}",
    ]
    if protect:
        parts.append("protect=True")
    return f"pulumi.ResourceOptions({', '.join(parts)})"


def _tags(resource: Resource) -> str:
    return f"{{**TAGS, {TAG_RESOURCE!r}: {resource.key!r}}}"


def _bucket(resource: Resource) -> list[str]:
    var = identifier(resource.key)
    name = resource.external_id
    lock_days = resource.details.get("retention_days")
    locked = bool(resource.details.get("object_lock"))
    lines = [
        f"{var} = aws.s3.Bucket(",
        f"    {resource.key!r},",
        f"    bucket={name!r},",
        f"    object_lock_enabled={locked!r},",
        f"    tags={_tags(resource)},",
        f"    opts={_options(resource, name, protect=locked)},",
        ")",
    ]
    if locked:
        lines += [
            "aws.s3.BucketObjectLockConfiguration(",
            f"    {resource.key + '-lock'!r},",
            f"    bucket={var}.id,",
            "    object_lock_enabled='Enabled',",
            "    rule=aws.s3.BucketObjectLockConfigurationRuleArgs(",
            "        default_retention=aws.s3."
            "BucketObjectLockConfigurationRuleDefaultRetentionArgs(",
            f"            mode='COMPLIANCE', days={int(lock_days or 1)!r}",
            "        )",
            "    ),",
            f"    opts={_options(resource, name, protect=True)},",
            ")",
        ]
    return [*lines, f"pulumi.export({resource.key!r}, {var}.bucket)", ""]


def _instance(resource: Resource, image_id: str | None) -> list[str]:
    var = identifier(resource.key)
    return [
        f"{var} = aws.ec2.Instance(",
        f"    {resource.key!r},",
        f"    ami={image_id!r},",
        f"    instance_type={resource.details.get('instance_type')!r},",
        f"    availability_zone={resource.details.get('zone')!r},",
        f"    tags={_tags(resource)},",
        f"    opts={_options(resource, resource.external_id)},",
        ")",
        f"pulumi.export({resource.key!r}, {var}.id)",
        "",
    ]


def _volume(resource: Resource, zone: str | None, instances: dict[str, str]) -> list[str]:
    var = identifier(resource.key)
    attached = resource.details.get("attached_to")
    lines = [
        f"{var} = aws.ebs.Volume(",
        f"    {resource.key!r},",
        f"    availability_zone={zone!r},",
        f"    size={int(resource.details.get('size_gb', 0))!r},",
        f"    tags={_tags(resource)},",
        f"    opts={_options(resource, resource.external_id)},",
        ")",
    ]
    if attached in instances:
        attachment = f"{ATTACH_DEVICE}:{resource.external_id}:{attached}"
        lines += [
            "aws.ec2.VolumeAttachment(",
            f"    {resource.key + '-attachment'!r},",
            f"    device_name={ATTACH_DEVICE!r},",
            f"    instance_id={instances[attached]}.id,",
            f"    volume_id={var}.id,",
            f"    opts={_options(resource, attachment)},",
            ")",
        ]
    return [*lines, f"pulumi.export({resource.key!r}, {var}.id)", ""]


def _distinct_providers(resources: Iterable[Resource]) -> list[HostingProvider]:
    seen: dict[str, HostingProvider] = {}
    for resource in resources:
        seen.setdefault(resource.provider.name, resource.provider)
    return [seen[name] for name in sorted(seen)]


def program(subscription: Subscription, request_key: str) -> str:
    """The Pulumi program (Python source) declaring ``subscription``'s resources.

    ``request_key`` is the idempotency key of the request the subscription came from
    (the ``socle:request`` tag of every resource).
    """
    resources = list(subscription.resources)
    tags = {TAG_TENANT: subscription.tenant.finess, TAG_REQUEST: request_key}
    lines = [
        f'"""Subscription {subscription.id} of {subscription.tenant.finess} '
        f"(offer {subscription.offer.code}), exported by Socle.",
        "",
        "Run with the Pulumi CLI (`pulumi up`), after setting each provider's keys:",
        "    pulumi config set --secret <provider>-access-key ...",
        "    pulumi config set --secret <provider>-secret-key ...",
        "Existing resources are imported (import_), not created again.",
        '"""',
        "",
        "import pulumi",
        "import pulumi_aws as aws",
        "",
        "config = pulumi.Config()",
        f"TAGS = {tags!r}",
        "",
    ]
    for provider in _distinct_providers(resources):
        lines += _provider_block(provider)
    instances = {r.external_id: identifier(r.key) for r in resources if r.kind == "instance"}
    zones = {r.external_id: r.details.get("zone") for r in resources if r.kind == "instance"}
    for resource in resources:
        if resource.kind == "bucket":
            lines += _bucket(resource)
        elif resource.kind == "instance":
            lines += _instance(resource, subscription.offer.image_id)
    for resource in resources:
        if resource.kind == "volume":
            zone = zones.get(resource.details.get("attached_to", ""))
            lines += _volume(resource, zone, instances)
    return "\n".join(lines).rstrip("\n") + "\n"


def export(db: Session, subscription: Subscription) -> str:
    """:func:`program` for ``subscription``, with its request's idempotency key."""
    request = store.get(db, HostingRequest, subscription.request_id)
    return program(subscription, request.idempotency_key)
