"""Junos configuration as the ordered `set` statements that `| display set` shows."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

Statement = tuple[str, ...]

# Leaves holding one value: `set ... <leaf> <value>` replaces the previous value.
_SINGLE_VALUED = frozenset(
    {
        "host-name",
        "domain-name",
        "time-zone",
        "description",
        "mtu",
        "vlan-id",
        "router-id",
        "autonomous-system",
        "instance-type",
        "route-distinguisher",
        "peer-as",
        "local-as",
        "local-address",
        "type",
        "class",
    }
)
_NEEDS_QUOTES = re.compile(r"[\s;{}#\"']|^$")


def parse_statement(text: str) -> Statement:
    """Split the words after `set`/`delete`; raise ValueError on unbalanced quotes."""
    return tuple(shlex.split(text))


def format_statement(statement: Statement) -> str:
    """A statement as `| display set` prints it, quoting words that need it."""
    words = [
        '"' + word.replace('"', '\\"') + '"' if _NEEDS_QUOTES.search(word) else word
        for word in statement
    ]
    return "set " + " ".join(words)


def _common_prefix(a: Statement, b: Statement) -> int:
    length = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        length += 1
    return length


class JunosConfig:
    """One configuration database (the committed one, or the candidate)."""

    def __init__(self, statements: Iterable[Statement] = ()) -> None:
        self.statements: list[Statement] = list(statements)

    def copy(self) -> JunosConfig:
        """An independent copy."""
        return JunosConfig(self.statements)

    def hostname(self) -> str:
        """`system host-name`, or 'junos' when unset."""
        for statement in self.statements:
            if statement[:2] == ("system", "host-name") and len(statement) == 3:
                return statement[2]
        return "junos"

    def set(self, statement: Statement) -> None:
        """Add a statement next to its closest relatives, replacing a single value."""
        if statement in self.statements:
            return
        if len(statement) >= 2 and statement[-2] in _SINGLE_VALUED:
            for index, old in enumerate(self.statements):
                if len(old) == len(statement) and old[:-1] == statement[:-1]:
                    self.statements[index] = statement
                    return
        best_len, at = 0, len(self.statements)
        for index, old in enumerate(self.statements):
            shared = _common_prefix(old, statement)
            if shared and shared >= best_len:
                best_len, at = shared, index + 1
        self.statements.insert(at, statement)

    def delete(self, path: Statement) -> bool:
        """Remove the statements at or under `path`; False when there were none."""
        kept = [s for s in self.statements if s[: len(path)] != path]
        found = len(kept) != len(self.statements)
        self.statements = kept
        return found

    def render(self) -> str:
        """`show configuration | display set` text."""
        return "\n".join(format_statement(s) for s in self.statements)
