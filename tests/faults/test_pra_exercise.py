"""A PRA exercise under the region's faults: the secondary provider down (S3 and EC2, or
EC2 only), a damaged pack in the copy held there, the recovery host down (before the
exercise, or between the restore and the service's start). Each time the job fails
naming the step and what failed, what the exercise made is torn down (what could not be
reached is recorded and swept by the next exercise), and ``hosting.dr_exercise`` turns
not met, stating its rule. Once the fault is cleared, the next exercise recovers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from controlplane.auth import Role
from controlplane.db import Database
from controlplane.faults import FaultBook
from controlplane.settings import Settings
from hosting.dr.evidence import EXERCISE_RULE
from hosting.drivers.recovery import RecoveryHost, Service
from hosting.sim.providers import SimulatedProviders
from tests.conftest import TokenFactory
from tests.faults.conftest import sim_fault
from tests.hosting.conftest import providers  # noqa: F401  (the simulated providers)
from tests.hosting.test_dr import (  # noqa: F401  (fixtures)
    HOST,
    answers,
    backed_up,
    evidence,
    exercise_of,
    over_ssh,
    plan_for,
    sshd,
    tagged,
)
from tests.support.sshd import SshServer, running_sshd


class RecoveryVm:
    """The recovery host's sshd, which a test stops and starts again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.running = contextlib.ExitStack()
        self.port: int | None = None

    def start(self) -> SshServer:
        """Start it (on its first port again once it ran)."""
        server = self.running.enter_context(running_sshd(self.directory, port=self.port))
        self.port = server.port
        return server

    def stop(self) -> None:
        """Stop it: connections are refused."""
        self.running.close()


@pytest.fixture
def vm(tmp_path: Path) -> Iterator[RecoveryVm]:
    """A recovery host of this test's own, stopped at its end."""
    host = RecoveryVm(tmp_path / "sshd")
    try:
        yield host
    finally:
        host.stop()


@pytest.fixture
def faults(providers: SimulatedProviders, settings: Settings) -> Iterator[None]:  # noqa: F811
    """The providers honour this region's faults (``socle sim fault``); none left after."""
    assert providers.faults is not None
    providers.faults.path = FaultBook.of_region(Path(settings.data_dir)).path
    yield
    sim_fault("clear", "--all")


def not_met(database: Database, backed_up: dict[str, Any],  # noqa: F811
            exercise: dict[str, Any]) -> None:
    """The tenant's PRA evidence is the failed exercise, not met, with its rule."""
    found = evidence(database, backed_up["tenant"])["hosting.dr_exercise"]
    assert (found.value, found.source) == (False, f"hosting.dr_exercise#{exercise['id']}")
    assert found.rule == EXERCISE_RULE and found.detail == f"échec : {exercise['error']}"


def test_secondary_provider_down_fails_the_exercise_until_it_is_back(
    backed_up: dict[str, Any], providers: SimulatedProviders,  # noqa: F811
    client: TestClient, auth: TokenFactory, database: Database, sshd: SshServer,  # noqa: F811
    settings: Settings, tmp_path: Path, faults: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("hosting.dr.flows.RESTIC_TIMEOUT", 120.0)  # a hung restic ends
    workdir = tmp_path / "recovery-vm"
    plan = plan_for(client, auth, backed_up, over_ssh(sshd, settings, workdir))
    s3, ec2_url = providers.s3[1].url, providers.ec2.url
    ec2 = boto3.client("ec2", **providers.ec2.boto3_kwargs())

    both = sim_fault("inject", "provider-down", "hds-b", "--json")  # its S3 and EC2
    job, down = exercise_of(client, database, auth, plan)
    assert job["state"] == down["state"] == "failed" and job["error"] == down["error"]
    assert down["error"].startswith(f"step 'restore' failed: restore of the copy at hds-b "
                                    f"(S3 {s3}) onto the recovery host ")
    assert "(unreachable)" in down["error"]
    assert down["achieved_rto_seconds"] is None and down["rto_met"] is None
    assert not (workdir / down["exercise_key"]).exists()  # the host was cleaned
    teardown = down["details"]["teardown"]
    assert teardown["left"]["recovery_host"] == []
    (unchecked,) = teardown["errors"]  # EC2 could not be asked: said, not assumed
    assert unchecked.startswith(f"EC2 at hds-b: EC2 {ec2_url}")
    assert down["details"]["left_behind"] is True
    not_met(database, backed_up, down)

    sim_fault("inject", "provider-down", "hds-b", "--ec2", "--json")
    sim_fault("clear", both["id"])  # S3 back, EC2 still down
    job, no_capacity = exercise_of(client, database, auth, plan)
    assert job["state"] == "failed"
    assert no_capacity["error"].startswith(f"step 'start' failed: capacity at hds-b: EC2 "
                                           f"{ec2_url}")
    assert no_capacity["details"]["restore"]["files_verified"] == 13  # restored, then...
    assert not (workdir / no_capacity["exercise_key"]).exists()  # ...removed from the host
    not_met(database, backed_up, no_capacity)

    sim_fault("clear", "--all")
    job, back = exercise_of(client, database, auth, plan)
    assert job["state"] == "succeeded", job["error"]
    assert back["details"]["probe"]["answered_with_restored_data"] is True
    for key in (down["exercise_key"], no_capacity["exercise_key"]):
        assert tagged(ec2, key) == ([], [])  # nothing was ever left at the EC2 endpoint
    assert back["details"]["teardown"]["swept"] == {str(down["id"]): "clean",
                                                    str(no_capacity["id"]): "clean"}
    earlier = client.get(f"{HOST}/dr-exercises/{down['id']}",
                         headers=auth(Role.GCS_OPERATOR)).json()
    assert (earlier["details"]["left_behind"], earlier["details"]["swept_by"]) == (
        False, back["id"])
    assert evidence(database, backed_up["tenant"])["hosting.dr_exercise"].value is True


def test_recovery_host_down_fails_the_exercise_and_its_data_is_swept_once_back(
    backed_up: dict[str, Any], providers: SimulatedProviders,  # noqa: F811
    client: TestClient, auth: TokenFactory, database: Database, settings: Settings,
    tmp_path: Path, faults: None, vm: RecoveryVm, monkeypatch: pytest.MonkeyPatch,
) -> None:
    ec2 = boto3.client("ec2", **providers.ec2.boto3_kwargs())
    workdir, server = tmp_path / "recovery-vm", vm.start()
    plan = plan_for(client, auth, backed_up, over_ssh(server, settings, workdir))
    where = f"{server.user}@{server.host}:{server.port}"
    # the recovery host is down (its sshd stopped) when the exercise starts
    vm.stop()
    job, unreachable = exercise_of(client, database, auth, plan)
    assert job["state"] == "failed"
    assert unreachable["error"].startswith(
        f"step 'restore' failed: recovery host {where}: prepare: ssh: {where}")
    assert [e.split(": ")[:2] for e in unreachable["details"]["teardown"]["errors"]] == [
        [f"recovery host {where}", "teardown"]]
    assert tagged(ec2, unreachable["exercise_key"]) == ([], [])
    not_met(database, backed_up, unreachable)

    # it goes down between the restore and the service's start: the instance started
    # at the EC2 endpoint is removed; the restored data stays there, recorded as left
    serve = RecoveryHost.serve

    def dies(self: RecoveryHost, key: str, root: str) -> Service:
        vm.stop()
        return serve(self, key, root)

    monkeypatch.setattr(RecoveryHost, "serve", dies)
    vm.start()
    job, died = exercise_of(client, database, auth, plan)
    assert job["state"] == "failed"
    assert died["error"].startswith(
        f"step 'serve' failed: recovery host {where}: start the service: ssh: {where}")
    assert died["details"]["restore"]["files_verified"] == 13
    teardown = died["details"]["teardown"]
    assert teardown["instances"] == [died["details"]["start"]["instance_id"]]
    assert tagged(ec2, died["exercise_key"]) == ([], [])
    assert [e.split(": ")[:2] for e in teardown["errors"]] == [
        [f"recovery host {where}", "teardown"]]
    assert died["details"]["left_behind"] is True
    assert (workdir / died["exercise_key"] / "data").is_dir()  # what a dead host keeps
    not_met(database, backed_up, died)

    # the host is back: the next exercise recovers, and removes what the dead one left
    monkeypatch.setattr(RecoveryHost, "serve", serve)
    vm.start()
    job, back = exercise_of(client, database, auth, plan)
    assert job["state"] == "succeeded", job["error"]
    assert not (workdir / died["exercise_key"]).exists()
    assert not answers(back["details"]["serve"]["url"])
    assert back["details"]["teardown"]["swept"] == {str(unreachable["id"]): "clean",
                                                    str(died["id"]): "clean"}
    assert evidence(database, backed_up["tenant"])["hosting.dr_exercise"].value is True


def test_a_damaged_pack_at_the_secondary_fails_the_exercise(
    backed_up: dict[str, Any], client: TestClient, auth: TokenFactory,  # noqa: F811
    database: Database, sshd: SshServer, settings: Settings, tmp_path: Path,  # noqa: F811
    faults: None,
) -> None:
    workdir = tmp_path / "recovery-vm"
    plan = plan_for(client, auth, backed_up, over_ssh(sshd, settings, workdir))
    fault = sim_fault("inject", "corrupt-pack", "hds-b", "--tenant",
                      backed_up["tenant"].finess, "--json")
    assert fault["selectors"]["pack"]
    job, damaged = exercise_of(client, database, auth, plan)
    assert job["state"] == "failed"
    assert damaged["error"].startswith("step 'restore' failed: restore of the copy at hds-b ")
    assert "(corrupt)" in damaged["error"]
    assert "serve" not in damaged["details"] and "probe" not in damaged["details"]
    assert damaged["details"]["left_behind"] is False  # both sides reached, nothing left
    assert not (workdir / damaged["exercise_key"]).exists()
    not_met(database, backed_up, damaged)

    sim_fault("clear", fault["id"])
    job, back = exercise_of(client, database, auth, plan)
    assert job["state"] == "succeeded", job["error"]
    assert back["details"]["probe"]["answered_with_restored_data"] is True
    assert evidence(database, backed_up["tenant"])["hosting.dr_exercise"].value is True
