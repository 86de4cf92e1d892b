"""A regional service's HTTP front (release artifact): answers /health with its service,
version and enrolled tenants, read from the JSON configuration rendered at deployment.

Run: python3 http-service-1.py CONFIG.json (the configuration names the port to listen on).
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

with open(sys.argv[1], encoding="utf-8") as handle:
    CONFIG = json.load(handle)


class Handler(BaseHTTPRequestHandler):
    """GET /health → 200 with what this instance runs."""

    def do_GET(self) -> None:
        if self.path != "/health":
            self.send_error(404)
            return
        body = json.dumps({
            "status": "ok",
            "service": CONFIG["service"],
            "version": CONFIG["version"],
            "tenants": sorted(CONFIG.get("tenants", {})),
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


ThreadingHTTPServer((CONFIG["listen"], int(CONFIG["port"])), Handler).serve_forever()
