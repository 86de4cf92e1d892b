"""Request → approval → provisioning job against the real simulated providers (two
SeaweedFS S3 servers with Object Lock, one moto EC2), checked with boto3 on the peers;
a provider failing mid-job, then a retry that converges without duplicates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from controlplane import jobs
from controlplane.auth import Role
from controlplane.db import Database, Scope
from hosting.sim.endpoints import Endpoint
from hosting.sim.providers import SimulatedProviders
from hosting.subscriptions.models import HostingRequest
from tests.conftest import TenantFactory, TokenFactory
from tests.hosting.factories import DEAD_ENDPOINT, offer_body, provider_body

HOST = "/api/v1/hosting"


def _env(name: str) -> str:
    return f"SOCLE_SECRET_HOSTING_TEST_{name.upper().replace('-', '_')}_KEYS"


@pytest.fixture
def region(
    providers: SimulatedProviders, client: TestClient, auth: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    """Two HDS providers on the simulated S3 servers (the second with the EC2 endpoint)."""
    operator = auth(Role.GCS_OPERATOR)
    made = {}
    for n, (endpoint, city) in enumerate(zip(providers.s3, ("Paris", "Lyon"), strict=True)):
        monkeypatch.setenv(_env(endpoint.name), f"{endpoint.access_key}:{endpoint.secret_key}")
        body = provider_body(n, name=endpoint.name, location=city, s3_endpoint=endpoint.url,
                             s3_region=endpoint.region, credential_ref=f"env:{_env(endpoint.name)}",
                             ec2_endpoint=None)
        answer = client.post(f"{HOST}/providers", json=body, headers=operator)
        assert answer.status_code == 201, answer.text
        made[endpoint.name] = answer.json()
    ec2 = providers.ec2
    monkeypatch.setenv(_env(ec2.name), f"{ec2.access_key}:{ec2.secret_key}")
    body = provider_body(9, name=ec2.name, location="Marseille", s3_endpoint=None,
                         ec2_endpoint=ec2.url, s3_region=ec2.region,
                         credential_ref=f"env:{_env(ec2.name)}")
    made[ec2.name] = client.post(f"{HOST}/providers", json=body, headers=operator).json()
    return made


def s3(endpoint: Endpoint) -> Any:
    return boto3.client("s3", **endpoint.boto3_kwargs())


def our_buckets(endpoint: Endpoint, request: dict[str, Any]) -> list[str]:
    """The buckets of ``request`` (its planned names) that exist at ``endpoint``."""
    planned = {r["name"] for r in request["plan"]["resources"]}
    return sorted(b["Name"] for b in s3(endpoint).list_buckets()["Buckets"] if b["Name"] in planned)


def tagged(ec2: Any, key: str) -> tuple[list[str], list[str]]:
    """Live instances and volumes carrying the idempotency tag ``key``."""
    by_key = [{"Name": "tag:socle:request", "Values": [key]}]
    alive = [{"Name": "instance-state-name", "Values": ["pending", "running", "stopped"]}]
    found = ec2.describe_instances(Filters=by_key + alive)
    instances = [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]]
    volumes = [v["VolumeId"] for v in ec2.describe_volumes(Filters=by_key)["Volumes"]]
    return instances, volumes


def request_and_approve(client: TestClient, auth: TokenFactory, tenant: Any,
                        offer: dict[str, Any], **parameters: int) -> tuple[dict, dict]:
    operator = auth(Role.GCS_OPERATOR)
    made = client.post(f"{HOST}/offers", json=offer, headers=operator)
    assert made.status_code == 201, made.text
    request = client.post(f"{HOST}/requests", headers=auth(Role.ESTABLISHMENT, tenant),
                          json={"offer": offer["code"], "parameters": parameters})
    assert request.status_code == 201, request.text
    approved = client.post(f"{HOST}/requests/{request.json()['id']}/approve", headers=operator)
    assert approved.status_code == 202, approved.text
    return request.json(), approved.json()["job"]


def run_job(client: TestClient, database: Database, auth: TokenFactory, job_id: int) -> dict:
    assert jobs.Worker(database).run_once() == job_id
    return client.get(f"/api/v1/jobs/{job_id}", headers=auth(Role.GCS_OPERATOR)).json()


def test_immutable_backup_tier_gets_a_locked_bucket_on_each_provider(
    providers: SimulatedProviders, region: dict, client: TestClient, auth: TokenFactory,
    make_tenant: TenantFactory, database: Database,
) -> None:
    tenant = make_tenant()
    offer = offer_body(1, "backup", copies=2, immutable=True, retention_days=7)
    request, job = request_and_approve(client, auth, tenant, offer, size_gb=200)
    assert request["plan"]["placement"]["chosen"] == ["hds-a", "hds-b"]
    done = run_job(client, database, auth, job["id"])
    assert done["state"] == "succeeded", (done["error"], done["log"])
    shown = client.get(f"{HOST}/requests/{request['id']}",
                       headers=auth(Role.ESTABLISHMENT, tenant)).json()
    assert shown["state"] == "active"
    (subscription,) = client.get(f"{HOST}/subscriptions",
                                 headers=auth(Role.ESTABLISHMENT, tenant)).json()["items"]
    assert subscription["state"] == "active"
    resources = {r["key"]: r for r in subscription["resources"]}
    assert [resources[k]["provider"] for k in ("bucket-0", "bucket-1")] == ["hds-a", "hds-b"]

    a, b = providers.s3
    for endpoint, key, locked in ((a, "bucket-0", False), (b, "bucket-1", True)):
        name = resources[key]["external_id"]
        assert our_buckets(endpoint, request) == [name]
        client_ = s3(endpoint)
        tags = {t["Key"]: t["Value"] for t in client_.get_bucket_tagging(Bucket=name)["TagSet"]}
        assert tags["socle:finess"] == tenant.finess and tags["socle:resource"] == key
        assert len(tags["socle:request"]) == 32 and tags["socle:request"][:16] in name
        if locked:
            rule = client_.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
            assert rule["ObjectLockEnabled"] == "Enabled"
            assert rule["Rule"]["DefaultRetention"] == {"Mode": "COMPLIANCE", "Days": 7}
            put = client_.put_object(Bucket=name, Key="snap", Body=b"x",
                                     ObjectLockMode="COMPLIANCE",
                                     ObjectLockRetainUntilDate=dt.datetime.now(dt.UTC)
                                     + dt.timedelta(days=1))
            with pytest.raises(ClientError):
                client_.delete_object(Bucket=name, Key="snap", VersionId=put["VersionId"])
        else:
            with pytest.raises(ClientError):
                client_.get_object_lock_configuration(Bucket=name)


def test_vm_offer_gets_one_tagged_instance_and_volume(
    providers: SimulatedProviders, region: dict, client: TestClient, auth: TokenFactory,
    make_tenant: TenantFactory, database: Database,
) -> None:
    tenant = make_tenant()
    request, job = request_and_approve(client, auth, tenant, offer_body(2, "vm"),
                                       vcpus=4, memory_gb=16, disk_gb=100)
    assert request["monthly_cost_cents"] == 1000 + 4 * 1500 + 16 * 500 + 100 * 5
    assert run_job(client, database, auth, job["id"])["state"] == "succeeded"
    (subscription,) = client.get(f"{HOST}/subscriptions",
                                 headers=auth(Role.GCS_OPERATOR)).json()["items"]
    resources = {r["key"]: r for r in subscription["resources"]}
    assert resources["instance"]["provider"] == "hds-compute"
    ec2 = boto3.client("ec2", **providers.ec2.boto3_kwargs())
    instance_id, volume_id = (resources[k]["external_id"] for k in ("instance", "volume"))
    (reservation,) = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    (instance,) = reservation["Instances"]
    tags = {t["Key"]: t["Value"] for t in instance["Tags"]}
    assert tags["socle:finess"] == tenant.finess and tags["socle:resource"] == "instance"
    assert instance["InstanceType"] == "m5.xlarge"
    assert tagged(ec2, tags["socle:request"]) == ([instance_id], [volume_id])
    (volume,) = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"]
    assert volume["Size"] == 100 and volume["Attachments"][0]["InstanceId"] == instance_id

    # the job runs again (a retry after a crash): it finds the same instance and volume
    with database.transaction(scope=Scope.unrestricted()) as db:
        db.get_one(HostingRequest, request["id"]).state = "failed"
    again = client.post(f"{HOST}/requests/{request['id']}/approve",
                        headers=auth(Role.GCS_OPERATOR)).json()
    assert run_job(client, database, auth, again["job"]["id"])["state"] == "succeeded"
    assert tagged(ec2, tags["socle:request"]) == ([instance_id], [volume_id])


def test_provider_failing_mid_job_then_retry_converges(
    providers: SimulatedProviders, region: dict, client: TestClient, auth: TokenFactory,
    make_tenant: TenantFactory, database: Database,
) -> None:
    operator = auth(Role.GCS_OPERATOR)
    b = region["hds-b"]
    good_url = b["s3_endpoint"]
    client.patch(f"{HOST}/providers/{b['id']}", json={"s3_endpoint": DEAD_ENDPOINT},
                 headers=operator)
    tenant = make_tenant()
    request, job = request_and_approve(client, auth, tenant,
                                       offer_body(3, "backup", copies=2, immutable=True))
    failed = run_job(client, database, auth, job["id"])
    assert failed["state"] == "failed" and "127.0.0.1:9" in failed["error"]
    shown = client.get(f"{HOST}/requests/{request['id']}", headers=operator).json()
    assert shown["state"] == "failed" and "127.0.0.1:9" in shown["reason"]
    a_endpoint, b_endpoint = providers.s3
    assert len(our_buckets(a_endpoint, request)) == 1  # copy 1 was made before the failure
    assert our_buckets(b_endpoint, request) == []

    client.patch(f"{HOST}/providers/{b['id']}", json={"s3_endpoint": good_url}, headers=operator)
    retry = client.post(f"{HOST}/requests/{request['id']}/approve", headers=operator)
    assert retry.status_code == 202
    assert run_job(client, database, auth, retry.json()["job"]["id"])["state"] == "succeeded"
    assert len(our_buckets(a_endpoint, request)) == 1
    assert len(our_buckets(b_endpoint, request)) == 1
    (subscription,) = client.get(f"{HOST}/subscriptions", headers=operator).json()["items"]
    assert sorted(r["key"] for r in subscription["resources"]) == ["bucket-0", "bucket-1"]
    assert client.get(f"{HOST}/requests/{request['id']}",
                      headers=operator).json()["state"] == "active"
