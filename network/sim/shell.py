"""FakeNOS shell that hands every typed line to the device's stateful CLI session."""

from __future__ import annotations

from typing import Any

from fakenos.plugins.shell.cmd_shell import CMDShell

from network.sim.device import DroppedSessionError, SimDevice


class SimShell(CMDShell):
    """CMDShell whose lines all go to a per-session CliSession of `nos.device`.

    FakeNOS makes one shell per SSH session; the NOS object's `device` is the
    SimDevice (one per host), so state is per device and shared by its sessions.
    `onecmd` is replaced rather than `default`, because cmd.Cmd would otherwise turn
    `?`/`help` lines into help and needs every exec command in a static table.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.device: SimDevice = self.nos.device
        self.session = self.device.open_session()
        self._closing = False
        self._show_prompt()

    def stop(self) -> None:
        """End the command loop (called by FakeNOS when the server or client goes away)."""
        self._closing = True
        super().stop()

    def onecmd(self, line: str) -> bool:
        """Answer one line; True ends the session (exit, dropped session, server stop)."""
        if self._closing or not self.is_running.is_set():
            return True
        try:
            with self.device.lock:
                output = self.session.handle(line)
        except DroppedSessionError:
            return True
        if output:
            self.writeline(output)
        self._show_prompt()
        return self.session.closed

    def _show_prompt(self) -> None:
        self.prompt = self.session.prompt.replace("\n", self.newline)
