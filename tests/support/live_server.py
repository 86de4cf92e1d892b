"""An ASGI app served for real by uvicorn in a background thread, for tests that need a URL
(a browser, a subprocess such as ``ansible-inventory``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

START_SECONDS = 20.0
STOP_SECONDS = 10.0


@contextmanager
def serve(app: Any, *, name: str = "live-server") -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yield its base URL, stop the server on exit.

    The listening socket is bound (port 0) before the server starts and handed to
    uvicorn, so no other process can take the port in between. The server stops
    gracefully (open connections get two seconds) when the block ends, even on error.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name=name,
                              daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_SECONDS
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, f"{name} did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=STOP_SECONDS)
        listener.close()
