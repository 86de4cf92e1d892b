"""snmpsim variation module `socle`: the time-based values of the simulated SNMP agents.

snmpsim loads this file itself (copied as ``socle.py`` into the agents' variation
folder, executed with snmpsim's module globals); Socle does not import it at run time.
Records name it in their tag, ``OID|TAG:socle|SPEC``, with SPEC one of:

- ``uptime``: sysUpTime (TimeTicks), hundredths of a second since the agent's boot;
- ``counter,RATE``: a Counter32 (tag 65) or Counter64 (tag 70) growing by RATE per
  second since boot, modulo 2**32 or 2**64;
- ``status,IFINDEX``: ifOperStatus of interface IFINDEX, up(1) unless held down;
- ``flap,PERIOD,DOWN,IFINDEX``: ifOperStatus, down(2) for the last DOWN seconds of every
  PERIOD seconds of wall-clock time, up(1) otherwise (or down while held down).

The agent's state is ``control.json`` beside its data file: ``boot`` (epoch seconds),
``wrap_at`` (epoch seconds or null: when set, every counter reads RATE times the
seconds since ``wrap_at`` modulo its width, so all counters wrap at that instant) and
``down`` (the interface indexes held down, e.g. by an ``interface-down`` fault). The
file is re-read whenever it is replaced, so a reboot, a wrap or a fault needs no
restart.
"""

import json
import math
import os
import time
from typing import Any

CONTROL_FILE = "control.json"
UP, DOWN = 1, 2
_WIDTH = {"65": 2**32, "67": 2**32, "70": 2**64}

# snmpsim sets these module globals (names are its own) before each call: one dict per
# data file, one per record.
agentContext: dict[str, Any] = {}  # noqa: N816
recordContext: dict[str, Any] = {}  # noqa: N816


def init(**context: Any) -> None:
    """Nothing to prepare (snmpsim calls it once at start)."""


def shutdown(**context: Any) -> None:
    """Nothing to release (snmpsim calls it once at exit)."""


def variate(oid: Any, tag: str, value: str, **context: Any) -> tuple[Any, str, Any]:
    """snmpsim's hook: the record's value now, or the error status for a SET or a miss."""
    if context["setFlag"] or (not context["nextFlag"] and not context["exactMatch"]):
        return context["origOid"], tag, context["errorStatus"]
    spec = recordContext.get("spec")
    if spec is None:
        spec = recordContext["spec"] = parse_spec(value)
    control = _control(context["dataFile"])
    return oid, tag, value_at(spec, tag, control, time.time())


def parse_spec(text: str) -> tuple[Any, ...]:
    """``"counter,125000"`` -> ``("counter", 125000.0)``; numbers become floats."""
    kind, *numbers = text.split(",")
    return (kind, *(float(number) for number in numbers))


def value_at(spec: tuple[Any, ...], tag: str, control: dict[str, Any], now: float) -> int:
    """The value of a record of kind ``spec`` and SNMP ``tag`` at epoch ``now``."""
    kind = spec[0]
    boot = control["boot"]
    if kind == "uptime":
        return math.floor((now - boot) * 100) % _WIDTH[tag]
    if kind in ("status", "flap") and int(spec[-1]) in control.get("down", ()):
        return DOWN
    if kind == "status":
        return UP
    if kind == "flap":
        period, down = spec[1], spec[2]
        return DOWN if now % period >= period - down else UP
    if kind == "counter":
        origin = control.get("wrap_at") or boot
        return math.floor(spec[1] * (now - origin)) % _WIDTH[tag]
    raise ValueError(f"unknown socle variation {kind!r}")


def _control(data_file: str) -> dict[str, Any]:
    """The agent's control state, re-read when the file was replaced."""
    path = os.path.join(os.path.dirname(data_file), CONTROL_FILE)
    status = os.stat(path)
    stamp = (status.st_ino, status.st_mtime_ns)
    if agentContext.get("stamp") != stamp:
        with open(path, encoding="utf-8") as handle:
            agentContext["control"] = json.load(handle)
        agentContext["stamp"] = stamp
    return agentContext["control"]
