"""A VM the hosting plane provisioned (on the moto EC2 endpoint) becomes an apps target:
its address is the one the provider gave it, read back with boto3."""

from __future__ import annotations

import boto3
from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database
from hosting.sim.providers import SimulatedProviders
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import offer_body
from tests.hosting.test_provisioning import region, request_and_approve, run_job

__all__ = ["region"]  # the fixture, shared with the provisioning tests

APPS = "/api/v1/apps"
HOST = "/api/v1/hosting"


def test_a_provisioned_vm_is_registered_as_a_target_at_its_provider_address(
    providers: SimulatedProviders, region: dict, client: TestClient, auth: TokenFactory,
    make_tenant: TenantFactory, database: Database,
) -> None:
    operator = auth(Role.GCS_OPERATOR)
    gcs = make_tenant()
    _, job = request_and_approve(client, auth, gcs, offer_body(7, "vm"),
                                       vcpus=2, memory_gb=4, disk_gb=20)
    early = client.post(f"{APPS}/targets", headers=operator, json={
        "name": "vm-early", "hosting_instance": "i-0123456789abcdef0"})
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "hosting_instance"

    assert run_job(client, database, auth, job["id"])["state"] == "succeeded"
    (subscription,) = client.get(f"{HOST}/subscriptions",
                                 headers=operator).json()["items"]
    instance_id = next(r["external_id"] for r in subscription["resources"]
                       if r["kind"] == "instance")
    ec2 = boto3.client("ec2", **providers.ec2.boto3_kwargs())
    (reservation,) = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    address = reservation["Instances"][0]["PrivateIpAddress"]

    made = client.post(f"{APPS}/targets", headers=operator, json={
        "name": "vm-app-1", "hosting_instance": instance_id, "ssh_user": "socle"})
    assert made.status_code == 201, made.text
    target = made.json()
    assert (target["address"], target["hosting_instance"]) == (address, instance_id)
    inventory = client.get(f"{APPS}/inventory", headers=operator).json()
    assert inventory["_meta"]["hostvars"]["vm-app-1"]["ansible_host"] == address

    twice = client.post(f"{APPS}/targets", headers=operator, json={
        "name": "vm-app-2", "hosting_instance": instance_id})
    assert twice.status_code == 409 and "vm-app-1" in twice.json()["detail"]
    unknown = client.post(f"{APPS}/targets", headers=operator, json={
        "name": "vm-app-3", "hosting_instance": "i-ffffffffffffffff0", "address": "192.0.2.7"})
    assert unknown.status_code == 422 and "no hosting VM" in unknown.text
