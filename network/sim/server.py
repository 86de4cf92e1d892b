"""FakeNOS' Paramiko SSH server, listening when started and about 15 times faster.

FakeNOS 1.2 listens only once its accept thread runs (a client connecting right after
start() may be refused), reads the client one byte at a time with a 10 ms sleep per
byte, polls its pipes every 10 ms, and leaves Nagle's algorithm on: a 300-character
configuration push took 4 s. This server listens before start() returns, reads what
is available, echoes it, hands the shell one line at a time (waiting for the shell's
answer before echoing more input, as FakeNOS does) and sets TCP_NODELAY: 0.25 s.
"""

from __future__ import annotations

import queue
import re
import socket
import threading

import paramiko
from fakenos.plugins.servers.ssh_server_paramiko import (
    ParamikoSshServer,
    ParamikoSshServerInterface,
    shell_to_channel_tap,
)

_LINE_END = re.compile(rb"(\r|\n)")
_SHELL_REPLY_TIMEOUT = 10.0


class LineQueue:
    """Blocking text pipe between the SSH taps and the shell (FakeNOS' TapIO polls)."""

    def __init__(self, run_srv: threading.Event) -> None:
        self._items: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._run_srv = run_srv

    def write(self, value: str) -> None:
        """Queue one chunk of text."""
        self._items.put(value)

    def flush(self) -> None:
        """Nothing to flush: writes are queued at once."""

    def readline(self) -> str | None:
        """The next chunk; None once the connection winds down."""
        while self._run_srv.is_set():
            try:
                return self._items.get(timeout=0.2)
            except queue.Empty:
                continue
        return None


def channel_to_shell(
    channel: paramiko.Channel,
    shell_stdin: LineQueue,
    shell_replied: threading.Event,
    run_srv: threading.Event,
) -> None:
    """Echo client input and pass each complete line to the shell, in order."""
    pending = bytearray()
    while run_srv.is_set():
        try:
            data = channel.recv(4096)
        except (OSError, EOFError):
            return
        if not data:
            return
        for piece in _LINE_END.split(data):
            if not piece:
                continue
            shell_replied.wait(_SHELL_REPLY_TIMEOUT)
            try:
                if piece in (b"\r", b"\n"):
                    channel.sendall(b"\r\n")
                    shell_replied.clear()
                    shell_stdin.write(pending.decode("utf-8", "replace") + piece.decode())
                    pending.clear()
                else:
                    channel.sendall(piece)
                    pending += piece.replace(b"\x00", b"")
            except (OSError, EOFError):
                return


class SimSshServer(ParamikoSshServer):
    """ParamikoSshServer that listens before start() returns and reads input by lines."""

    def _bind_sockets(self) -> None:
        """Bind and listen at once: FakeNOS only listens later, in its accept thread, so a
        client connecting right after start() could be refused."""
        super()._bind_sockets()
        if self._socket is not None:
            self._socket.listen()

    def connection_function(self, client: socket.socket, is_running: threading.Event) -> None:
        """Serve one SSH connection: authenticate, open the shell, run it to the end."""
        shell_replied = threading.Event()
        run_srv = threading.Event()
        run_srv.set()
        helpers: list[threading.Thread] = []
        # Echo, output and prompt go out as small writes: without this, Nagle's algorithm
        # and the client's delayed ACKs add ~40 ms to every line.
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session = paramiko.Transport(client)
        with self._active_sessions_lock:
            self._active_sessions.add(session)
        try:
            session.add_server_key(self._ssh_server_key)
            interface = ParamikoSshServerInterface(
                ssh_banner=self.ssh_banner, username=self.username, password=self.password
            )
            session.start_server(server=interface)
            channel = None
            while channel is None and is_running.is_set() and session.is_active():
                channel = session.accept(timeout=1)
            if channel is None:
                return
            shell_stdin, shell_stdout = LineQueue(run_srv), LineQueue(run_srv)
            shell = self.shell(
                stdin=shell_stdin,
                stdout=shell_stdout,
                nos=self.nos,
                nos_inventory_config=self.nos_inventory_config,
                is_running=is_running,
                **self.shell_configuration,
            )
            helpers = [
                threading.Thread(
                    target=channel_to_shell, args=(channel, shell_stdin, shell_replied, run_srv)
                ),
                threading.Thread(
                    target=shell_to_channel_tap,
                    args=(channel.makefile("rw"), shell_stdout, shell_replied, run_srv),
                ),
                threading.Thread(target=self.watchdog, args=(is_running, run_srv, session, shell)),
            ]
            for helper in helpers:
                helper.start()
            shell.start()
        finally:
            run_srv.clear()
            session.close()
            with self._active_sessions_lock:
                self._active_sessions.discard(session)
            self._join_connection_helper_threads(helpers)
