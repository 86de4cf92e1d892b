"""The tests' sshd really serves SSH: a paramiko client pinned to its host key logs in
with the key and runs a command; password authentication is offered when asked."""

from __future__ import annotations

from pathlib import Path

import paramiko
import pytest

from tests.support.sshd import running_sshd


def test_key_login_runs_a_command_and_password_auth_is_offered_when_asked(tmp_path: Path) -> None:
    with running_sshd(tmp_path / "sshd", password_authentication=True) as server:
        known_hosts = tmp_path / "known_hosts"
        known_hosts.write_text(server.known_hosts_line + "\n")
        client = paramiko.SSHClient()
        client.load_host_keys(str(known_hosts))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect(server.host, port=server.port, username=server.user,
                       key_filename=str(server.client_key), look_for_keys=False,
                       allow_agent=False, timeout=10)
        _, stdout, _ = client.exec_command("echo socle-$((40+2))")
        assert stdout.read().decode().strip() == "socle-42"
        client.close()

        transport = paramiko.Transport((server.host, server.port))
        transport.start_client(timeout=10)
        try:
            transport.auth_none(server.user)
        except paramiko.BadAuthenticationType as refused:
            assert "password" in refused.allowed_types
        else:
            pytest.fail("sshd accepted an unauthenticated login")
        finally:
            transport.close()
