"""Run a playbook of ``playbooks/`` through ansible-runner: progress and output lines from
the runner's events (secret values masked), per-host outcome, artifacts rotated.

Secrets reach the playbook as extra variables read from a 0600 file in a private
directory removed after the run (never in the command line, the environment or the
kept artifacts); tasks that handle them are ``no_log``, and every event is masked
before it is kept or shown. SSH private keys are written the same way, one 0600 file
per host, and pinned host keys go to a known_hosts file of the run: a pinned host is
checked strictly.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
MASK = "********"
HOST_EVENTS = {
    "runner_on_ok": "ok",
    "runner_on_failed": "failed",
    "runner_on_unreachable": "unreachable",
    "runner_on_skipped": "skipped",
}


@dataclass
class PlaybookRun:
    """What a run did: its status, each host's failures, and the task results kept."""

    status: str
    rc: int
    failed: dict[str, str] = field(default_factory=dict)
    unreachable: dict[str, str] = field(default_factory=dict)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when every host ran every task."""
        return self.status == "successful" and not self.failed and not self.unreachable


@dataclass(frozen=True)
class SshAccess:
    """How to log in to one SSH host: the private key (a secret) and its pinned public
    host key (``type base64``), each optional."""

    private_key: str | None = None
    host_key: str | None = None


def masker(secrets: Iterable[str]) -> Callable[[str], str]:
    """A function replacing every secret value in a text by ``********``."""
    values = sorted({s for s in secrets if s}, key=len, reverse=True)

    def mask(text: str) -> str:
        for value in values:
            text = text.replace(value, MASK)
        return text

    return mask


def _message(res: Mapping[str, Any]) -> str:
    text = res.get("msg") or res.get("stderr") or res.get("stdout") or "failed"
    return str(text).strip().splitlines()[0][:500] if str(text).strip() else "failed"


def run_playbook(
    playbook: str,
    *,
    inventory: Mapping[str, Any],
    extravars: Mapping[str, Any],
    secret_vars: Mapping[str, Any] | None = None,
    limit: Iterable[str] | None = None,
    artifacts: Path,
    keep_artifacts: int = 20,
    on_line: Callable[[str], None] | None = None,
    on_event: Callable[[int], None] | None = None,
    keep_results_of: Iterable[str] = (),
    ssh: Mapping[str, SshAccess] | None = None,
) -> PlaybookRun:
    """Run ``playbooks/<playbook>`` on ``inventory`` (``{"all": {"hosts": {name: vars}}}``).

    ``on_line`` receives each output line (masked); ``on_event`` the count of host
    results so far (for progress); results of the tasks named in ``keep_results_of``
    are returned per host; ``ssh`` gives, per host, its key and pinned host key.
    """
    secret_vars = dict(secret_vars or {})
    ssh = dict(ssh or {})
    values = [*_leaves(secret_vars), *(a.private_key for a in ssh.values() if a.private_key)]
    mask = masker([*values, *(json.dumps(v)[1:-1] for v in values)])
    keep = set(keep_results_of)
    run = PlaybookRun(status="unknown", rc=-1)
    counted = 0

    def on_runner_event(event: dict[str, Any]) -> bool:
        nonlocal counted
        if secret_vars:
            _mask_event(event, mask)
        data = event.get("event_data", {})
        kind = HOST_EVENTS.get(event.get("event", ""))
        if kind is not None:
            host, res = data.get("host", "?"), data.get("res", {}) or {}
            counted += 1
            if kind == "failed" and not data.get("ignore_errors"):
                run.failed.setdefault(host, f"{data.get('task', '?')}: {_message(res)}")
            elif kind == "unreachable":
                run.unreachable.setdefault(host, _message(res))
            elif kind == "ok" and data.get("task") in keep:
                run.results.setdefault(host, {})[data["task"]] = res
            if on_event is not None:
                on_event(counted)
        if on_line is not None:
            for line in str(event.get("stdout", "")).splitlines():
                if line.strip():
                    on_line(line)
        return True

    artifacts.mkdir(parents=True, exist_ok=True)
    ident = f"{playbook.removesuffix('.yml')}-{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory(prefix="socle-ansible-") as private:
        cmdline = ""
        if secret_vars:
            secret_file = Path(private) / "secrets.json"
            _write_private(secret_file, json.dumps(secret_vars))
            cmdline = f"-e @{secret_file}"
        import ansible_runner  # imported on use: importing the apps plane stays light

        runner = ansible_runner.run(
            private_data_dir=private,
            project_dir=str(PLAYBOOKS),
            playbook=playbook,
            inventory=json.dumps(_with_ssh(inventory, ssh, Path(private))),
            extravars=dict(extravars),
            cmdline=cmdline or None,
            limit=",".join(limit) if limit is not None else None,
            envvars={"ANSIBLE_CONFIG": str(PLAYBOOKS / "ansible.cfg"),
                     "ANSIBLE_ROLES_PATH": str(PLAYBOOKS / "roles"), "PATH": _path(),
                     "ANSIBLE_NOCOLOR": "1"},
            artifact_dir=str(artifacts),
            ident=ident,
            rotate_artifacts=keep_artifacts,
            event_handler=on_runner_event,
            quiet=True,
            suppress_env_files=True,
        )
        run.status, run.rc = runner.status, int(runner.rc if runner.rc is not None else -1)
    _scrub(artifacts / ident, mask)
    if run.status != "successful" and not run.failed and not run.unreachable:
        run.error = f"ansible-playbook {run.status} (rc {run.rc}) before reaching any host"
    return run


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a new file only its owner may read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _with_ssh(inventory: Mapping[str, Any], ssh: Mapping[str, SshAccess],
              private: Path) -> dict[str, Any]:
    """``inventory`` with each SSH host's key file and pinned host key (files in
    ``private``, removed with it after the run)."""
    hosts = {name: dict(hostvars) for name, hostvars in inventory["all"]["hosts"].items()}
    known: list[str] = []
    for name, access in sorted(ssh.items()):
        hostvars = hosts.get(name)
        if hostvars is None:
            continue
        if access.private_key:
            key_file = private / f"key-{len(known)}-{uuid.uuid4().hex[:8]}"
            _write_private(key_file, access.private_key.rstrip("\n") + "\n")
            hostvars["ansible_ssh_private_key_file"] = str(key_file)
        if access.host_key:
            port = int(hostvars.get("ansible_port", 22))
            address = hostvars["ansible_host"]
            known.append(f"{address if port == 22 else f'[{address}]:{port}'} {access.host_key}")
            hostvars["ansible_host_key_checking"] = True
            hostvars["ansible_ssh_common_args"] = (
                f"-o UserKnownHostsFile={private / 'known_hosts'} -o StrictHostKeyChecking=yes")
    if known:
        _write_private(private / "known_hosts", "\n".join(known) + "\n")
    return {**inventory, "all": {**inventory["all"], "hosts": hosts}}


def _path() -> str:
    """PATH with this Python's directory first (a virtualenv's ansible-playbook)."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def _scrub(kept: Path, mask: Callable[[str], str]) -> None:
    """Keep no copy of the control plane's environment (where ``env:`` secrets live) in
    the run's artifacts, and mask known secret values in its stdout."""
    command = kept / "command"
    if command.exists():
        recorded = json.loads(command.read_text(encoding="utf-8"))
        recorded.pop("env", None)
        command.write_text(json.dumps(recorded), encoding="utf-8")
    stdout = kept / "stdout"
    if stdout.exists():
        stdout.write_text(mask(stdout.read_text(encoding="utf-8")), encoding="utf-8")


def _leaves(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list | tuple):
        return [leaf for v in value for leaf in _leaves(v)]
    return [str(value)] if value not in (None, "") else []


def _mask_event(event: dict[str, Any], mask: Callable[[str], str]) -> None:
    """Mask secret values everywhere in ``event`` (in place: the kept copy is masked too)."""
    masked = json.loads(mask(json.dumps(event)))
    event.clear()
    event.update(masked)
