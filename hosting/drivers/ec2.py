"""The EC2 driver (boto3): instances and volumes found again by their idempotency tags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hosting.drivers import TAG_REQUEST, TAG_RESOURCE, DriverError
from hosting.drivers.boto import api_errors, client

_ALIVE = ["pending", "running", "stopping", "stopped"]


def _tag_specs(kind: str, tags: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def _by_tags(tags: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"Name": f"tag:{key}", "Values": [tags[key]]} for key in (TAG_REQUEST, TAG_RESOURCE)]


class Ec2Compute:
    """:class:`hosting.drivers.Compute` over boto3."""

    def __init__(self, *, endpoint: str, region: str, access_key: str, secret_key: str) -> None:
        self.endpoint = endpoint
        self._client = client(
            "ec2", endpoint=endpoint, region=region, access_key=access_key, secret_key=secret_key
        )

    def ensure_instance(
        self, *, tags: Mapping[str, str], instance_type: str, image_id: str
    ) -> dict[str, Any]:
        """The live instance carrying ``tags``, or a new one (ClientToken = the tags' key)."""
        try:
            found = self._client.describe_instances(
                Filters=[*_by_tags(tags), {"Name": "instance-state-name", "Values": _ALIVE}]
            )
            instances = [i for r in found["Reservations"] for i in r["Instances"]]
            if not instances:
                instances = self._client.run_instances(
                    ImageId=image_id,
                    InstanceType=instance_type,
                    MinCount=1,
                    MaxCount=1,
                    ClientToken=f"{tags[TAG_REQUEST]}-{tags[TAG_RESOURCE]}",
                    TagSpecifications=_tag_specs("instance", tags),
                )["Instances"]
        except api_errors() as exc:
            raise DriverError(f"EC2 {self.endpoint}: instance: {exc}") from exc
        instance = instances[0]
        return {
            "instance_id": instance["InstanceId"],
            "instance_type": instance["InstanceType"],
            "zone": instance["Placement"]["AvailabilityZone"],
            "private_ip": instance.get("PrivateIpAddress"),
        }

    def ensure_volume(
        self, *, tags: Mapping[str, str], size_gb: int, attach_to: str
    ) -> dict[str, Any]:
        """The volume carrying ``tags``, created in the instance's zone and attached."""
        try:
            found = self._client.describe_volumes(Filters=_by_tags(tags))["Volumes"]
            if found:
                volume = found[0]
            else:
                zone = self._zone_of(attach_to)
                volume = self._client.create_volume(
                    Size=size_gb,
                    AvailabilityZone=zone,
                    TagSpecifications=_tag_specs("volume", tags),
                )
            if not volume.get("Attachments"):
                self._client.attach_volume(
                    VolumeId=volume["VolumeId"], InstanceId=attach_to, Device="/dev/sdf"
                )
        except api_errors() as exc:
            raise DriverError(f"EC2 {self.endpoint}: volume: {exc}") from exc
        return {"volume_id": volume["VolumeId"], "size_gb": size_gb, "attached_to": attach_to}

    def _zone_of(self, instance_id: str) -> str:
        found = self._client.describe_instances(InstanceIds=[instance_id])
        return str(found["Reservations"][0]["Instances"][0]["Placement"]["AvailabilityZone"])
