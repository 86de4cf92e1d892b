"""A supervised server process: own session, log file, readiness wait, terminate-then-kill."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 0.2
# resolved in the parent: no dynamic loading between fork and exec
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


class SimulatorError(RuntimeError):
    """A simulated provider failed to start or died."""


def _die_with_parent() -> None:
    """In the child, before exec: get SIGKILL if the parent dies without stopping us."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGKILL))


class ManagedProcess:
    """One server process in its own session (process group), output sent to a log file.

    On Linux the child is killed if the thread that started it dies, so an
    interrupted test run leaves no orphan; start servers from a long-lived thread.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        cwd: Path,
        log_path: Path,
    ) -> None:
        """Spawn ``argv`` in ``cwd`` now, appending its stdout and stderr to ``log_path``."""
        self.name = name
        self.log_path = log_path
        with log_path.open("ab") as log:
            self._popen = subprocess.Popen(
                list(argv),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    def running(self) -> bool:
        """True while the process has not exited."""
        return self._popen.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        """Last lines of the process log, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, probe: Callable[[], object], *, deadline: float) -> None:
        """Call ``probe`` until it returns without raising; fail if the process exits
        or ``deadline`` (a ``time.monotonic()`` value) passes."""
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if not self.running():
                raise SimulatorError(
                    f"{self.name} exited with code {self._popen.returncode}:\n{self.log_tail()}"
                )
            try:
                probe()
            except Exception as exc:  # not ready yet: keep the reason for the timeout message
                last_error = exc
            else:
                return
            time.sleep(_POLL_SECONDS)
        raise SimulatorError(f"{self.name} not ready in time ({last_error}):\n{self.log_tail()}")

    def terminate(self) -> None:
        """Send SIGTERM to the process group (no wait)."""
        self._signal_group(signal.SIGTERM)

    def reap(self, *, deadline: float) -> None:
        """Wait for the exit until ``deadline``, then SIGKILL the whole group."""
        try:
            self._popen.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self._popen.wait()

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._popen.pid, signum)
