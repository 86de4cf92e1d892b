"""What every platform's comparison returns, and the scope it compares."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """The part of a configuration Socle owns: its sections and named objects, plus
    ``interfaces``; ``everything`` for the whole configuration (restoring a backup)."""

    interfaces: tuple[str, ...] = ()
    everything: bool = False


@dataclass(frozen=True)
class ConfigDiff:
    """Running versus intended, on the owned scope.

    ``missing``/``extra``: intended lines the device lacks, device lines intent lacks
    (each with its section, e.g. ``interface Gi0/1 > description x``); ``lines``: what
    to push, in order; ``diff``: a unified diff for people.
    """

    missing: tuple[str, ...]
    extra: tuple[str, ...]
    lines: tuple[str, ...]
    diff: str

    @property
    def in_sync(self) -> bool:
        """True when the owned part of the running configuration is the intended one."""
        return not self.missing and not self.extra

    def first_difference(self) -> str:
        """The first line that differs, for an error message."""
        if self.missing:
            return f"missing {self.missing[0]!r}"
        if self.extra:
            return f"unexpected {self.extra[0]!r}"
        return "none"
