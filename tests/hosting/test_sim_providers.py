"""Simulated HDS providers: real SeaweedFS, moto and restic over loopback, no mocks."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from hosting.sim.endpoints import Endpoint
from hosting.sim.providers import SimulatedProviders
from hosting.sim.state import read_state_file

REPO = Path(__file__).resolve().parents[2]


def s3_client(endpoint: Endpoint, **overrides: str):
    return boto3.client("s3", **{**endpoint.boto3_kwargs(), **overrides})


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def processes_under(directory: Path) -> list[int]:
    """Pids of live processes whose working directory is inside ``directory``."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = (proc / "cwd").resolve(strict=True)
        except OSError:
            continue
        if cwd.is_relative_to(directory.resolve()):
            pids.append(int(proc.name))
    return pids


def weed_processes_for(directory: Path) -> list[int]:
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "weed" in cmdline and str(directory) in cmdline:
            pids.append(int(proc.name))
    return pids


def test_endpoints_described_without_leaking_secrets(providers: SimulatedProviders) -> None:
    assert [ep.name for ep in providers.s3] == ["hds-a", "hds-b"]
    assert providers.ec2.kind == "ec2"
    for ep in providers.endpoints:
        assert ep.url.startswith("http://127.0.0.1:")
        assert ep.secret_key not in repr(ep)
    assert len({ep.url for ep in providers.endpoints}) == 3
    logs = b"".join(p.read_bytes() for p in providers.base_dir.rglob("*.log"))
    for ep in providers.endpoints:
        assert ep.secret_key.encode() not in logs


def test_s3_answers_own_keys_and_rejects_wrong_ones(providers: SimulatedProviders) -> None:
    a, b = providers.s3
    for ep in (a, b):
        assert "Buckets" in s3_client(ep).list_buckets()
        wrong_secret = s3_client(ep, aws_secret_access_key="x" * 40)
        with pytest.raises(ClientError) as exc:
            wrong_secret.list_buckets()
        assert error_code(exc) == "SignatureDoesNotMatch"
    a_keys_at_b = s3_client(b, aws_access_key_id=a.access_key, aws_secret_access_key=a.secret_key)
    with pytest.raises(ClientError) as exc:  # provider A's keys open nothing at B
        a_keys_at_b.list_buckets()
    assert error_code(exc) == "InvalidAccessKeyId"


def test_object_lock_compliance_refuses_deletion(providers: SimulatedProviders) -> None:
    s3 = s3_client(providers.s3[0])
    s3.create_bucket(Bucket="archive-worm", ObjectLockEnabledForBucket=True)
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    put = s3.put_object(
        Bucket="archive-worm",
        Key="cr-2024.pdf",
        Body=b"compte rendu",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=until,
    )
    version = put["VersionId"]
    head = s3.head_object(Bucket="archive-worm", Key="cr-2024.pdf", VersionId=version)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    with pytest.raises(ClientError) as exc:
        s3.delete_object(
            Bucket="archive-worm",
            Key="cr-2024.pdf",
            VersionId=version,
            BypassGovernanceRetention=True,
        )
    assert error_code(exc) == "AccessDenied"
    body = s3.get_object(Bucket="archive-worm", Key="cr-2024.pdf", VersionId=version)["Body"]
    assert body.read() == b"compte rendu"


def test_providers_do_not_see_each_others_buckets(providers: SimulatedProviders) -> None:
    a, b = (s3_client(ep) for ep in providers.s3)
    a.create_bucket(Bucket="only-at-a")
    a.put_object(Bucket="only-at-a", Key="k", Body=b"a")
    b.create_bucket(Bucket="only-at-b")
    names_a = {bucket["Name"] for bucket in a.list_buckets()["Buckets"]}
    names_b = {bucket["Name"] for bucket in b.list_buckets()["Buckets"]}
    assert "only-at-a" in names_a and "only-at-a" not in names_b
    assert "only-at-b" in names_b and "only-at-b" not in names_a
    with pytest.raises(ClientError) as exc:
        b.head_bucket(Bucket="only-at-a")
    assert error_code(exc) in {"404", "NoSuchBucket"}


def test_ec2_instances_and_volumes(providers: SimulatedProviders) -> None:
    ec2 = boto3.client("ec2", **providers.ec2.boto3_kwargs())
    ubuntu = [{"Name": "name", "Values": ["ubuntu/images/*"]}]  # unfiltered: 1,282 AMIs, ~3 s
    image = ec2.describe_images(Owners=["amazon"], Filters=ubuntu)["Images"][0]["ImageId"]
    zone = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    tag = {"Key": "socle:tenant", "Value": "750712184"}
    run = ec2.run_instances(
        ImageId=image,
        InstanceType="t3.small",
        MinCount=2,
        MaxCount=2,
        Placement={"AvailabilityZone": zone},
        TagSpecifications=[{"ResourceType": "instance", "Tags": [tag]}],
    )
    ids = sorted(i["InstanceId"] for i in run["Instances"])
    found = ec2.describe_instances(Filters=[{"Name": "tag:socle:tenant", "Values": ["750712184"]}])
    assert sorted(i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]) == ids

    volume = ec2.create_volume(AvailabilityZone=zone, Size=20, VolumeType="gp3")
    ec2.attach_volume(VolumeId=volume["VolumeId"], InstanceId=ids[0], Device="/dev/sdf")
    (described,) = ec2.describe_volumes(VolumeIds=[volume["VolumeId"]])["Volumes"]
    assert described["Size"] == 20
    assert described["Attachments"][0]["InstanceId"] == ids[0]

    ec2.terminate_instances(InstanceIds=ids)
    states = ec2.describe_instances(InstanceIds=ids)["Reservations"][0]["Instances"]
    assert {i["State"]["Name"] for i in states} <= {"shutting-down", "terminated"}


@pytest.mark.skipif(
    shutil.which("restic") is None, reason="restic missing (apt-get install restic)"
)
def test_restic_backup_and_restore_byte_identical(
    providers: SimulatedProviders, tmp_path: Path
) -> None:
    ep = providers.s3[1]
    env = {
        **os.environ,
        "RESTIC_REPOSITORY": f"s3:{ep.url}/restic-750712184",
        "RESTIC_PASSWORD": "demo-only-password",
        "RESTIC_CACHE_DIR": str(tmp_path / "cache"),
        "AWS_ACCESS_KEY_ID": ep.access_key,
        "AWS_SECRET_ACCESS_KEY": ep.secret_key,
    }
    source = tmp_path / "source"
    (source / "dpi").mkdir(parents=True)
    (source / "dpi" / "blob.bin").write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    (source / "notes.txt").write_text("séjour 2024\n" * 1000)

    def restic(*args: str) -> str:
        done = subprocess.run(
            ["restic", *args], env=env, cwd=source, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    restic("init")
    lines = [json.loads(line) for line in restic("backup", "--json", ".").splitlines()]
    summary = next(line for line in lines if line["message_type"] == "summary")
    assert summary["total_files_processed"] == 2
    restic("check", "--read-data")
    restic("restore", summary["snapshot_id"], "--target", str(tmp_path / "restored"))

    restored = next((tmp_path / "restored").rglob("notes.txt")).parent
    for rel in ("dpi/blob.bin", "notes.txt"):
        assert (restored / rel).read_bytes() == (source / rel).read_bytes()
    bucket = {b["Name"] for b in s3_client(ep).list_buckets()["Buckets"]}
    assert "restic-750712184" in bucket


def test_module_entry_point_writes_state_and_stops_on_sigterm(tmp_path: Path) -> None:
    base, state = tmp_path / "run", tmp_path / "state.json"
    cli = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hosting.sim.providers",
            "--dir",
            str(base),
            "--state-file",
            str(state),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while not state.exists():
            assert cli.poll() is None, cli.stdout.read().decode() if cli.stdout else ""
            assert time.monotonic() < deadline, "state file never written"
            time.sleep(0.2)
        assert state.stat().st_mode & 0o777 == 0o600
        endpoints = read_state_file(state)
        assert [ep.kind for ep in endpoints] == ["s3", "s3", "ec2"]
        assert "Buckets" in s3_client(endpoints[0]).list_buckets()
        children = processes_under(base)
        assert len(children) == 3
        assert len(weed_processes_for(base)) == 2

        cli.send_signal(signal.SIGTERM)
        output = cli.communicate(timeout=60)[0].decode()
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == 0, output
    assert not state.exists()
    assert processes_under(base) == []
    assert weed_processes_for(base) == []
    for ep in endpoints:
        assert ep.secret_key not in output
