"""What each simulated SNMP agent serves: its interfaces, rates and `.snmprec` records.

Values that move (sysUpTime, counters, the flapping ifOperStatus) are computed by the
`socle` variation module (`network.sim.snmp_variation`) from the agent's control file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from network.sim.snmp_variation import CONTROL_FILE

SYS = "1.3.6.1.2.1.1"
IF_NUMBER = "1.3.6.1.2.1.2.1.0"
IF_ENTRY = "1.3.6.1.2.1.2.2.1"
IFX_ENTRY = "1.3.6.1.2.1.31.1.1.1"
SYS_OBJECT_ID = "1.3.6.1.4.1.8072.3.2.10"  # net-snmp's "Linux" agent OID, a neutral choice
IF_SPEED = 1_000_000_000


@dataclass(frozen=True)
class SimInterface:
    """One simulated interface and how fast its counters grow (units per second)."""

    if_index: int
    name: str
    in_octets: float
    out_octets: float
    in_errors: float
    out_errors: float
    in_discards: float
    out_discards: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (rates per second)."""
        return asdict(self)


@dataclass(frozen=True)
class FlapSchedule:
    """Interface `if_index` is down for the last `down` seconds of every `period` seconds
    of wall-clock time (``time.time() % period >= period - down``)."""

    if_index: int
    period: float
    down: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return asdict(self)


def make_interfaces(agent_index: int, count: int) -> tuple[SimInterface, ...]:
    """Deterministic interfaces for agent number `agent_index` (0-based): 1 to 8 Mb/s in,
    about half that out, a few errors and discards per second on some interfaces."""
    interfaces = []
    for if_index in range(1, count + 1):
        in_octets = 125_000.0 * (1 + (agent_index + if_index) % 8)
        interfaces.append(
            SimInterface(
                if_index=if_index,
                name=f"Gi0/{if_index - 1}",
                in_octets=in_octets,
                out_octets=in_octets / 2,
                in_errors=float(if_index % 3),
                out_errors=float(if_index % 2),
                in_discards=float(if_index % 4) / 2,
                out_discards=float(if_index % 5) / 4,
            )
        )
    return tuple(interfaces)


def snmprec(
    name: str, interfaces: tuple[SimInterface, ...], flap: FlapSchedule | None
) -> str:
    """The agent's records (SNMPv2-MIB system group, IF-MIB ifTable and ifXTable),
    sorted by OID as snmpsim requires."""
    records: list[tuple[str, str, str]] = [
        (f"{SYS}.1.0", "4", f"Socle simulated CE router {name}"),
        (f"{SYS}.2.0", "6", SYS_OBJECT_ID),
        (f"{SYS}.3.0", "67:socle", "uptime"),
        (f"{SYS}.5.0", "4", name),
        (IF_NUMBER, "2", str(len(interfaces))),
    ]
    for itf in interfaces:
        i = itf.if_index
        oper = (("2:socle", f"flap,{flap.period},{flap.down},{i}") if flap and flap.if_index == i
                else ("2:socle", f"status,{i}"))
        records += [
            (f"{IF_ENTRY}.1.{i}", "2", str(i)),
            (f"{IF_ENTRY}.2.{i}", "4", itf.name),
            (f"{IF_ENTRY}.3.{i}", "2", "6"),  # ethernetCsmacd
            (f"{IF_ENTRY}.5.{i}", "66", str(IF_SPEED)),
            (f"{IF_ENTRY}.7.{i}", "2", "1"),  # ifAdminStatus up
            (f"{IF_ENTRY}.8.{i}", *oper),
            (f"{IF_ENTRY}.10.{i}", "65:socle", f"counter,{itf.in_octets}"),
            (f"{IF_ENTRY}.13.{i}", "65:socle", f"counter,{itf.in_discards}"),
            (f"{IF_ENTRY}.14.{i}", "65:socle", f"counter,{itf.in_errors}"),
            (f"{IF_ENTRY}.16.{i}", "65:socle", f"counter,{itf.out_octets}"),
            (f"{IF_ENTRY}.19.{i}", "65:socle", f"counter,{itf.out_discards}"),
            (f"{IF_ENTRY}.20.{i}", "65:socle", f"counter,{itf.out_errors}"),
            (f"{IFX_ENTRY}.1.{i}", "4", itf.name),
            (f"{IFX_ENTRY}.6.{i}", "70:socle", f"counter,{itf.in_octets}"),
            (f"{IFX_ENTRY}.10.{i}", "70:socle", f"counter,{itf.out_octets}"),
            (f"{IFX_ENTRY}.15.{i}", "66", str(IF_SPEED // 1_000_000)),
            (f"{IFX_ENTRY}.18.{i}", "4", f"{name} link {i}"),
        ]
    records.sort(key=lambda record: tuple(int(part) for part in record[0].split(".")))
    return "".join(f"{oid}|{tag}|{value}\n" for oid, tag, value in records)


def write_agent_dir(
    folder: Path,
    community: str,
    records: str,
    *,
    boot: float,
) -> None:
    """Lay out one agent's data folder: `<community>.snmprec` (v2c community), a
    `self.snmprec` hard link to it (snmpsim serves it to SNMPv3 requests with an empty
    context name; a symbolic link would be taken for the community file) and the
    control file. Everything is world-readable: the agent may run as
    `nobody`, and nothing here is secret."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    data_file = folder / f"{community}.snmprec"
    data_file.write_text(records, encoding="utf-8")
    data_file.chmod(0o644)
    (folder / "self.snmprec").hardlink_to(data_file)
    write_control(folder, boot=boot)


def write_control(folder: Path, *, boot: float, wrap_at: float | None = None,
                  down: Collection[int] = ()) -> None:
    """Replace the agent's control file atomically (the variation module re-reads it):
    its boot time, pending counter wrap, and the interfaces held down."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".control.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"boot": boot, "wrap_at": wrap_at, "down": sorted(down)}, handle)
        os.chmod(tmp, 0o644)
        os.replace(tmp, folder / CONTROL_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
