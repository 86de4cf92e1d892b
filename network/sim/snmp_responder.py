"""One snmpsim command-responder process: ``python -O -P path/to/snmp_responder.py ARGS``.

Run by path, so that the `network` package (and its database models) is not imported.
A thin wrapper around ``snmpsim.commands.responder.main`` (same arguments) that:

- imports up front the modules snmpsim would import lazily: run as root, snmpsim drops
  to ``--process-user``/``--process-group`` (e.g. nobody), who may not be able to read
  the Python installation (e.g. under /root/.pyenv), so a later import would fail;
- exits when its parent process dies: the parent-death signal does not survive
  snmpsim's setuid(), so a daemon thread watches the parent pid instead.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time

# Standard-library modules snmpsim imports lazily (its index files: the dbm backends and
# dumb dbm's Latin-1 codec). Diffing sys.modules after answering v2c, v3 authPriv and
# wrong keys found no other; third-party ones live in the readable virtualenv.
_LAZY_MODULES = (
    "dbm",
    "dbm.dumb",
    "dbm.gnu",
    "dbm.ndbm",
    "encodings.latin_1",
)
_PARENT_CHECK_SECONDS = 0.5


def _preload() -> None:
    for name in _LAZY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional dbm backend this Python was built without
            continue


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_SECONDS)
    os._exit(0)


def main() -> int:
    """Run snmpsim's responder until killed, or until the parent process goes away."""
    _preload()
    from snmpsim.commands import responder

    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    sys.argv[0] = "snmpsim-command-responder"
    return responder.main()


if __name__ == "__main__":
    raise SystemExit(main())
