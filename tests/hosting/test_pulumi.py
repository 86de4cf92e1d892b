"""Pulumi export: subscriptions really provisioned on the simulated providers become a
Python program that declares, under Pulumi's own mocks (``pulumi.runtime.set_mocks``),
one provider per HDS provider and each resource with its tags, lock and import id."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pulumi
import pytest
from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database
from hosting.sim.providers import SimulatedProviders
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import offer_body
from tests.hosting.regions import HOST, register, subscribe
from tests.hosting.test_hosting_cli import socle


class Recorder(pulumi.runtime.Mocks):
    """Pulumi mocks that record every resource the program registers."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.resources.append(args)
        return args.resource_id or f"{args.name}-id", {**args.inputs, "id": args.resource_id}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        return {}, None


def run_program(source: str, providers: list[str]) -> dict[str, pulumi.runtime.MockResourceArgs]:
    """Run the exported program under mocks; the resources it declared, by name."""
    # Pulumi's runtime asks for the thread's current event loop; an earlier test in the
    # same process may have closed or unset it, so the program gets a loop of its own.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, preview=False)
    secrets = {f"project:{p}-{k}": "not-a-real-key" for p in providers
               for k in ("access-key", "secret-key")}
    pulumi.runtime.set_all_config(secrets, list(secrets))

    @pulumi.runtime.test
    def program() -> Any:
        namespace: dict[str, Any] = {}
        exec(compile(source, "exported.py", "exec"), namespace)  # the program under test
        return pulumi.Output.from_input(namespace["TAGS"])

    try:
        program()
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return {r.name: r for r in recorder.resources}


def test_subscriptions_export_as_a_pulumi_program(
    providers: SimulatedProviders, client: TestClient, database: Database, auth: TokenFactory,
    make_tenant: TenantFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, city, s3 in (("hds-a", "Paris", providers.s3[0]), ("hds-b", "Lyon", providers.s3[1])):
        register(client, auth, monkeypatch, name, city, s3=s3)
    register(client, auth, monkeypatch, "hds-compute", "Marseille", ec2=providers.ec2)
    tenant = make_tenant()
    backup = subscribe(client, database, auth, tenant,
                       offer_body(1, "backup", copies=2, immutable=True, retention_days=30))
    vm = subscribe(client, database, auth, tenant, offer_body(2, "vm"), vcpus=2, memory_gb=4,
                   disk_gb=20)

    answer = client.get(f"{HOST}/subscriptions/{backup['id']}/pulumi",
                        headers=auth(Role.ESTABLISHMENT, tenant))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/x-python")
    declared = run_program(answer.text, ["hds-a", "hds-b"])
    buckets = {r["key"]: r for r in backup["resources"]}
    a, b = declared["hds-a"], declared["hds-b"]
    assert a.typ == "pulumi:providers:aws" and b.typ == "pulumi:providers:aws"
    # a provider's inputs reach the engine JSON-encoded
    assert json.loads(a.inputs["endpoints"]) == [{"s3": providers.s3[0].url}]
    assert json.loads(a.inputs["s3UsePathStyle"]) is True
    assert declared["bucket-0"].typ == "aws:s3/bucket:Bucket"
    assert declared["bucket-0"].resource_id == buckets["bucket-0"]["external_id"]
    assert declared["bucket-0"].inputs["objectLockEnabled"] is False
    assert "pulumi:providers:aws::hds-a::" in declared["bucket-0"].provider
    locked = declared["bucket-1"]
    assert locked.inputs["objectLockEnabled"] is True
    assert locked.inputs["tags"] == {"socle:finess": tenant.finess, "socle:resource": "bucket-1",
                                     "socle:request": locked.inputs["tags"]["socle:request"]}
    assert "::hds-b::" in locked.provider
    rule = declared["bucket-1-lock"]
    assert rule.typ == "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
    assert rule.inputs["rule"] == {"defaultRetention": {"mode": "COMPLIANCE", "days": 30}}
    assert "bucket-0-lock" not in declared
    assert "not-a-real-key" not in answer.text

    program = socle("pulumi", str(vm["id"])).stdout
    declared = run_program(program, ["hds-compute"])
    resources = {r["key"]: r for r in vm["resources"]}
    instance, volume = declared["instance"], declared["volume"]
    assert instance.typ == "aws:ec2/instance:Instance"
    assert instance.resource_id == resources["instance"]["external_id"]
    assert instance.inputs["instanceType"] == "t3.medium"
    assert instance.inputs["ami"] == offer_body(2, "vm")["image_id"]
    assert json.loads(declared["hds-compute"].inputs["endpoints"]) == [{"ec2": providers.ec2.url}]
    assert volume.typ == "aws:ebs/volume:Volume" and volume.inputs["size"] == 20
    assert volume.inputs["availabilityZone"] == resources["instance"]["details"]["zone"]
    attachment = declared["volume-attachment"]
    assert attachment.inputs["instanceId"] == resources["instance"]["external_id"]
    assert attachment.inputs["volumeId"] == resources["volume"]["external_id"]

    other = auth(Role.ESTABLISHMENT, make_tenant())
    assert client.get(f"{HOST}/subscriptions/{vm['id']}/pulumi", headers=other).status_code == 404
