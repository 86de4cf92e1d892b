"""How a day of one circuit is packed into bytes, and how many days unpack into arrays.

A day is 1,440 UTC minutes. Bitmaps (``up``, ``unknown``, ``silent``) are
``numpy.packbits`` of 1,440 booleans (180 bytes, most significant bit first); RTT and
jitter are float32 milliseconds (NaN: no measurement); loss is uint16 hundredths of a
percent (:data:`LOSS_UNKNOWN`: no measurement). A fresh day is all unknown, never up,
never silent.

``silent`` marks minutes in which the circuit gave no sign of life while the collector
was healthy (see :mod:`network.sla.ingest`). Unpacked for the engine (:func:`unpack_days`),
a silent minute with no other observation is *down*, not unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

MINUTES_PER_DAY = 1440
BITMAP_BYTES = MINUTES_PER_DAY // 8
LOSS_UNKNOWN = np.uint16(0xFFFF)
LOSS_SCALE = 100  # stored loss = percent × 100


@dataclass
class DayArrays:
    """One circuit-day unpacked: (1440,) arrays, the form ingestion merges into."""

    up: NDArray[np.bool_]
    unknown: NDArray[np.bool_]
    rtt_ms: NDArray[np.float32]
    jitter_ms: NDArray[np.float32]
    loss: NDArray[np.uint16]
    silent: NDArray[np.bool_]

    @classmethod
    def blank(cls) -> DayArrays:
        """A day with no observation: every minute unknown, no probe values."""
        return cls(
            up=np.zeros(MINUTES_PER_DAY, np.bool_),
            unknown=np.ones(MINUTES_PER_DAY, np.bool_),
            rtt_ms=np.full(MINUTES_PER_DAY, np.nan, np.float32),
            jitter_ms=np.full(MINUTES_PER_DAY, np.nan, np.float32),
            loss=np.full(MINUTES_PER_DAY, LOSS_UNKNOWN, np.uint16),
            silent=np.zeros(MINUTES_PER_DAY, np.bool_),
        )

    @classmethod
    def unpack(cls, up: bytes, unknown: bytes, rtt: bytes, jitter: bytes, loss: bytes,
               silent: bytes | None = None) -> DayArrays:
        """A stored row's columns back into writable arrays (``silent`` NULL: none)."""
        return cls(
            up=np.unpackbits(np.frombuffer(up, np.uint8)).astype(np.bool_),
            unknown=np.unpackbits(np.frombuffer(unknown, np.uint8)).astype(np.bool_),
            rtt_ms=np.frombuffer(rtt, np.float32).copy(),
            jitter_ms=np.frombuffer(jitter, np.float32).copy(),
            loss=np.frombuffer(loss, np.uint16).copy(),
            silent=(np.unpackbits(np.frombuffer(silent, np.uint8)).astype(np.bool_)
                    if silent is not None else np.zeros(MINUTES_PER_DAY, np.bool_)),
        )

    def pack(self) -> dict[str, bytes]:
        """The row's columns (``up``, ``unknown``, ``rtt_ms``, ``jitter_ms``, ``loss``,
        ``silent``)."""
        return {
            "up": np.packbits(self.up).tobytes(),
            "unknown": np.packbits(self.unknown).tobytes(),
            "rtt_ms": self.rtt_ms.astype(np.float32).tobytes(),
            "jitter_ms": self.jitter_ms.astype(np.float32).tobytes(),
            "loss": self.loss.astype(np.uint16).tobytes(),
            "silent": np.packbits(self.silent).tobytes(),
        }


@dataclass(frozen=True)
class Matrix:
    """Many circuits over consecutive days: arrays of shape (circuits, days × 1440)."""

    up: NDArray[np.bool_]
    unknown: NDArray[np.bool_]
    rtt_ms: NDArray[np.float32]
    jitter_ms: NDArray[np.float32]
    loss_pct: NDArray[np.float32]

    def window(self, start: int, length: int) -> Matrix:
        """Columns ``start`` to ``start + length`` (the period inside the days read)."""
        cut = slice(start, start + length)
        return Matrix(self.up[:, cut], self.unknown[:, cut], self.rtt_ms[:, cut],
                      self.jitter_ms[:, cut], self.loss_pct[:, cut])


def _stack(blobs: Sequence[bytes], dtype: Any, width: int) -> NDArray[Any]:
    return np.frombuffer(b"".join(blobs), dtype).reshape(len(blobs), width)


def unpack_days(
    rows: Sequence[Sequence[Any]], circuits: Sequence[int], days: Sequence[date]
) -> Matrix:
    """Stored rows ``(circuit_id, day, up, unknown, rtt_ms, jitter_ms, loss[, silent])`` into
    a :class:`Matrix` with one line per circuit in ``circuits`` and ``days`` side by side.
    A day without a row stays unknown; a silent minute with no other observation is
    down (no longer unknown). Vectorised: one copy per column, whatever the number of
    rows."""
    line = {circuit: i for i, circuit in enumerate(circuits)}
    column = {day: j for j, day in enumerate(days)}
    n, d = len(circuits), len(days)
    up = np.zeros((n, d, BITMAP_BYTES), np.uint8)
    unknown = np.full((n, d, BITMAP_BYTES), 0xFF, np.uint8)
    rtt = np.full((n, d, MINUTES_PER_DAY), np.nan, np.float32)
    jitter = np.full((n, d, MINUTES_PER_DAY), np.nan, np.float32)
    loss = np.full((n, d, MINUTES_PER_DAY), LOSS_UNKNOWN, np.uint16)
    if rows:
        lines = np.fromiter((line[r[0]] for r in rows), np.intp, len(rows))
        cols = np.fromiter((column[r[1]] for r in rows), np.intp, len(rows))
        up[lines, cols] = _stack([r[2] for r in rows], np.uint8, BITMAP_BYTES)
        unknown[lines, cols] = _stack([r[3] for r in rows], np.uint8, BITMAP_BYTES)
        rtt[lines, cols] = _stack([r[4] for r in rows], np.float32, MINUTES_PER_DAY)
        jitter[lines, cols] = _stack([r[5] for r in rows], np.float32, MINUTES_PER_DAY)
        loss[lines, cols] = _stack([r[6] for r in rows], np.uint16, MINUTES_PER_DAY)
        silent = [(i, r[7]) for i, r in enumerate(rows) if len(r) > 7 and r[7] is not None]
        if silent:
            at = [i for i, _ in silent]
            unknown[lines[at], cols[at]] &= ~_stack([s for _, s in silent], np.uint8,
                                                    BITMAP_BYTES)
    loss_pct = loss.astype(np.float32) / LOSS_SCALE
    loss_pct[loss == LOSS_UNKNOWN] = np.nan
    width = d * MINUTES_PER_DAY
    return Matrix(
        up=np.unpackbits(up, axis=-1).reshape(n, width).view(np.bool_),
        unknown=np.unpackbits(unknown, axis=-1).reshape(n, width).view(np.bool_),
        rtt_ms=rtt.reshape(n, width),
        jitter_ms=jitter.reshape(n, width),
        loss_pct=loss_pct.reshape(n, width),
    )
