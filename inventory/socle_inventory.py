#!/usr/bin/env python3
"""Ansible dynamic inventory of the hosts Socle manages (the apps plane's targets).

    SOCLE_URL=https://socle.example:8000 SOCLE_TOKEN=socle_... \
        ansible-inventory -i inventory/socle_inventory.py --list

Hosts carry how to reach them (``ansible_host``, ``ansible_connection``...), their
install prefix and ports per service; groups are the services they run (``svc_<name>``)
and their network access (``access_THD``, ``access_MPLS``). The token (any role with
``apps:read``) is read from the environment, never from a file in the repository.
Standard library only, so it runs with whatever Python Ansible uses.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request


def fetch(url: str, token: str) -> dict:
    """The inventory as Socle's API serves it."""
    if not url.startswith(("http://", "https://")):
        raise ValueError("SOCLE_URL is an http:// or https:// URL")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url.rstrip("/") + "/api/v1/apps/inventory",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (operator's URL)
        return json.load(answer)


def main() -> int:
    """``--list`` prints every group and host; ``--host NAME`` that host's variables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--host")
    args = parser.parse_args()
    url, token = os.environ.get("SOCLE_URL"), os.environ.get("SOCLE_TOKEN")
    if not url or not token:
        sys.stderr.write("socle_inventory: set SOCLE_URL and SOCLE_TOKEN\n")
        return 2
    try:
        data = fetch(url, token)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        sys.stderr.write(f"socle_inventory: cannot read {url}: {exc}\n")
        return 1
    if args.host:
        data = data.get("_meta", {}).get("hostvars", {}).get(args.host, {})
    json.dump(data, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
