"""The DR exercise's compute driver (boto3): wait for an instance and tear down
everything carrying an exercise's tag.

Creation goes through :class:`hosting.drivers.ec2.Ec2Compute` (idempotent by tags);
this adds what an exercise needs on top: the instance (its capacity record) reaching
``running``, and a teardown that finds its targets by tag, so a crashed exercise is
cleaned up by the next attempt. Whether the recovered service answers is asked of the
service itself (:mod:`hosting.drivers.recovery`), never of the EC2 API.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from hosting.drivers import DriverError
from hosting.drivers.boto import client

_GONE = ["shutting-down", "terminated"]
_LIVE = ["pending", "running", "stopping", "stopped"]
_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Leftovers:
    """Live instances and volumes still carrying a tag (empty after a clean teardown)."""

    instances: list[str]
    volumes: list[str]

    def __bool__(self) -> bool:
        return bool(self.instances or self.volumes)


class DrCompute:
    """Exercise helpers on one EC2-compatible endpoint."""

    def __init__(self, *, endpoint: str, region: str, access_key: str, secret_key: str) -> None:
        self.endpoint = endpoint
        self._client: Any = client(
            "ec2", endpoint=endpoint, region=region, access_key=access_key, secret_key=secret_key
        )

    def _fail(self, what: str, exc: Exception) -> DriverError:
        return DriverError(f"EC2 {self.endpoint}: {what}: {exc}")

    def wait_running(self, instance_id: str, *, timeout: float) -> str:
        """Wait until the instance runs; its last state (``running`` unless timed out)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self._state(instance_id)
            if state == "running" or state in _GONE or time.monotonic() >= deadline:
                return state
            time.sleep(_POLL_SECONDS)

    def teardown(self, tags: Mapping[str, str]) -> Leftovers:
        """Terminate the instances and delete the volumes carrying ``tags``; what is left."""
        try:
            found = self.tagged(tags)
            for volume in found.volumes:
                attached = self._client.describe_volumes(VolumeIds=[volume])["Volumes"][0]
                for attachment in attached.get("Attachments", []):
                    self._client.detach_volume(
                        VolumeId=volume, Force=True, InstanceId=attachment["InstanceId"]
                    )
                self._client.delete_volume(VolumeId=volume)
            if found.instances:
                self._client.terminate_instances(InstanceIds=found.instances)
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("teardown", exc) from exc
        return self.tagged(tags)

    def tagged(self, tags: Mapping[str, str]) -> Leftovers:
        """Live instances and volumes carrying every one of ``tags``."""
        filters = [{"Name": f"tag:{k}", "Values": [v]} for k, v in tags.items()]
        try:
            found = self._client.describe_instances(
                Filters=[*filters, {"Name": "instance-state-name", "Values": _LIVE}]
            )
            volumes = self._client.describe_volumes(Filters=filters)["Volumes"]
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("describe", exc) from exc
        instances = [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]]
        return Leftovers(sorted(instances), sorted(v["VolumeId"] for v in volumes))

    def _state(self, instance_id: str) -> str:
        try:
            found = self._client.describe_instances(InstanceIds=[instance_id])
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(f"instance {instance_id}", exc) from exc
        return str(found["Reservations"][0]["Instances"][0]["State"]["Name"])
