"""The OIDs one poll asks for, and the reading of GETBULK answers into interface samples.

One GETBULK carries sysUpTime as its non-repeater and the seven IF-MIB columns as
repeaters; a table longer than `max-repetitions` rows (or an answer the agent cut
short) is continued from the last OID seen in each unfinished column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pysnmp.proto.rfc1902 import Counter32, Counter64, Integer32, TimeTicks
from pysnmp.proto.rfc1905 import EndOfMibView

from network.drivers.snmp_types import InterfaceSample

Oid = tuple[int, ...]

SYS_UPTIME: Oid = (1, 3, 6, 1, 2, 1, 1, 3)
SYS_UPTIME_0: Oid = (*SYS_UPTIME, 0)
_IF_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1)
_IFX_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)


@dataclass(frozen=True)
class Column:
    """An IF-MIB column: the InterfaceSample field it fills, its OID and SNMP type."""

    field: str
    oid: Oid
    syntax: type


COLUMNS = (
    Column("oper_status", (*_IF_ENTRY, 8), Integer32),
    Column("in_discards", (*_IF_ENTRY, 13), Counter32),
    Column("in_errors", (*_IF_ENTRY, 14), Counter32),
    Column("out_discards", (*_IF_ENTRY, 19), Counter32),
    Column("out_errors", (*_IF_ENTRY, 20), Counter32),
    Column("hc_in_octets", (*_IFX_ENTRY, 6), Counter64),
    Column("hc_out_octets", (*_IFX_ENTRY, 10), Counter64),
)


class MalformedResponse(Exception):
    """The agent answered, but not with the OIDs and types asked for."""


class TableWalk:
    """sysUpTime and the IF-MIB columns, collected over one or more GETBULK answers."""

    def __init__(self) -> None:
        self.sys_uptime: int | None = None
        self._last: dict[Column, Oid] = {column: column.oid for column in COLUMNS}
        self._rows: dict[int, dict[str, int]] = {}

    def pending(self) -> tuple[Column, ...]:
        """The columns not read to their end yet, in request order."""
        return tuple(column for column in COLUMNS if column in self._last)

    def next_oids(self) -> list[Oid]:
        """Where to continue each pending column (the last OID seen in it)."""
        return [self._last[column] for column in self.pending()]

    def feed(
        self,
        varbinds: Sequence[tuple[Oid, Any]],
        columns: Sequence[Column],
        *,
        with_uptime: bool,
    ) -> None:
        """Read one GETBULK answer to a request for `columns` as repeaters (after
        sysUpTime as the non-repeater when `with_uptime`). Raises MalformedResponse."""
        rows = varbinds
        if with_uptime:
            if not varbinds or varbinds[0][0] != SYS_UPTIME_0:
                raise MalformedResponse("answer does not start with sysUpTime.0")
            if not isinstance(varbinds[0][1], TimeTicks):
                raise MalformedResponse("sysUpTime.0 is not TimeTicks")
            self.sys_uptime = int(varbinds[0][1])
            rows = varbinds[1:]
        progressed = False
        for position, (oid, value) in enumerate(rows):
            column = columns[position % len(columns)]
            if column not in self._last:
                continue  # its end was seen earlier in this answer
            if isinstance(value, EndOfMibView) or oid[: len(column.oid)] != column.oid:
                del self._last[column]
                progressed = True
                continue
            self._store(column, oid, value)
            progressed = True
        if self.pending() and not progressed:
            raise MalformedResponse("answer holds no table rows")

    def interfaces(self) -> tuple[InterfaceSample, ...]:
        """One sample per interface index seen, sorted by index."""
        rows = sorted(self._rows.items())
        return tuple(InterfaceSample(if_index=index, **values) for index, values in rows)

    def _store(self, column: Column, oid: Oid, value: Any) -> None:
        if oid <= self._last[column]:
            raise MalformedResponse(f"OIDs not increasing in column {column.field}")
        index = oid[len(column.oid) :]
        if len(index) != 1:
            raise MalformedResponse(f"{column.field} index is not one sub-identifier")
        if not isinstance(value, column.syntax):
            raise MalformedResponse(
                f"{column.field}.{index[0]} is {type(value).__name__}, "
                f"not {column.syntax.__name__}"
            )
        self._rows.setdefault(index[0], {})[column.field] = int(value)
        self._last[column] = oid
