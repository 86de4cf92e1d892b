"""What every simulated device shares: per-device state, its lock, faults, CLI sessions."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from network.sim.fault_kinds import BGP_DOWN

if TYPE_CHECKING:
    from controlplane.faults import FaultBook


class DroppedSessionError(Exception):
    """Raised by a CLI session to make the SSH server close the connection at once."""


@dataclass
class Faults:
    """Lines a device refuses, and lines on which it drops the SSH session."""

    refused: set[str] = field(default_factory=set)
    drop_on: set[str] = field(default_factory=set)

    def clear(self) -> None:
        """Forget every injected fault."""
        self.refused.clear()
        self.drop_on.clear()


class CliSession(ABC):
    """One SSH session's CLI: mode, prompt, and the handling of each typed line."""

    def __init__(self, device: SimDevice) -> None:
        self.device = device
        self.closed = False

    @property
    @abstractmethod
    def prompt(self) -> str:
        """Text written before reading the next line."""

    def handle(self, line: str) -> str:
        """Answer one typed line (faults first); raise DroppedSessionError to hang up."""
        line = " ".join(line.split())
        if line in self.device.faults.drop_on:
            raise DroppedSessionError(line)
        if line in self.device.faults.refused:
            return self.invalid(line)
        return self.dispatch(line)

    @abstractmethod
    def dispatch(self, line: str) -> str:
        """Answer one normalised line in the current mode."""

    @abstractmethod
    def invalid(self, line: str) -> str:
        """The platform's answer to a line it rejects."""

    def caret(self, line: str) -> str:
        """A marker line pointing at the last word of `line` as typed after the prompt."""
        prompt_width = len(self.prompt.rsplit("\n", 1)[-1])
        return " " * (prompt_width + line.rfind(" ") + 1) + "^"


class SimDevice(ABC):
    """State of one simulated router; sessions and the Python API lock it the same way."""

    platform: ClassVar[str]

    def __init__(self, name: str, username: str, index: int) -> None:
        self.name = name
        self.username = username
        self.index = index
        self.lock = threading.RLock()
        self.faults = Faults()
        self.region: FaultBook | None = None  # the simulated region's faults, if any
        self.endpoint = ""  # host:port of its SSH server (what the region's faults select)

    def session_down(self, neighbour: str) -> bool:
        """True when a ``bgp-down`` fault of the region holds this router's BGP session to
        ``neighbour`` down (whatever the configuration says)."""
        if self.region is None:
            return False
        fault = self.region.holding(BGP_DOWN, "ssh", self.endpoint)
        return fault is not None and fault.options.get("neighbour") in (None, neighbour)

    @abstractmethod
    def reset(self) -> None:
        """Return to the base configuration and clear faults."""

    @abstractmethod
    def running_config(self) -> str:
        """The running configuration as the device shows it."""

    @abstractmethod
    def apply_out_of_band(self, lines: Sequence[str]) -> list[str]:
        """Change the running configuration directly; return the device's error messages."""

    @abstractmethod
    def open_session(self) -> CliSession:
        """Start the CLI of a new SSH session."""
