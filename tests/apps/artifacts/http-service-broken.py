"""A deliberately broken release (test artifact): it listens, but /health answers 503."""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

with open(sys.argv[1], encoding="utf-8") as handle:
    CONFIG = json.load(handle)


class Handler(BaseHTTPRequestHandler):
    """Every request fails."""

    def do_GET(self) -> None:
        self.send_error(503, "database migration failed")

    def log_message(self, *args: object) -> None:
        """Quiet."""


ThreadingHTTPServer((CONFIG["listen"], int(CONFIG["port"])), Handler).serve_forever()
