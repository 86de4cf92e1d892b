"""Read a YAML document keeping its node tree, so any location in the data maps to a line.

PyYAML composes the document into nodes that carry their start mark; the data is
constructed from the same nodes. :func:`line_of` walks a pydantic error location
(``("chapters", 0, "items", 2, "target")``) down the node tree to the line of the key or
list entry it names, stopping at the deepest node that exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlDocument:
    """A parsed document: its root node (for lines) and the data built from it."""

    root: Node
    data: Any


class YamlSyntaxError(Exception):
    """The text is not one well-formed YAML document; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def parse(text: str) -> YamlDocument | None:
    """Parse one YAML document (``None`` when the text holds none); raise
    :class:`YamlSyntaxError` for malformed text or a key repeated in one mapping."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        repeated = sorted(_repeated_keys(root), key=_line)
        if repeated:
            key = repeated[0]
            raise YamlSyntaxError(f"key {key.value!r} appears twice in one mapping", _line(key))
        return YamlDocument(root=root, data=loader.construct_document(root))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlSyntaxError(message or "invalid YAML", _line_of_mark(mark)) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), None) from exc
    finally:
        loader.dispose()


def line_of(root: Node, location: Location) -> int:
    """The 1-based line of the deepest node ``location`` reaches from ``root``: a
    mapping key's own line, or a list entry's first line."""
    node, line = root, _line(root)
    for part in location:
        child = _child(node, part)
        if child is None:
            break
        line, node = child
    return line


def _child(node: Node, part: str | int) -> tuple[int, Node] | None:
    if isinstance(node, MappingNode) and isinstance(part, str):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == part:
                return _line(key), value
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        entry = node.value[part]
        return _line(entry), entry
    return None


def _repeated_keys(root: Node) -> Iterator[ScalarNode]:
    """Scalar keys appearing a second time in the same mapping, anywhere in the tree."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:  # aliases may share (or loop back to) nodes
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            keys: set[str] = set()
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value != "<<":
                    if key.value in keys:
                        yield key
                    keys.add(key.value)
                pending.extend((key, value))
        elif isinstance(node, SequenceNode):
            pending.extend(node.value)


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _line_of_mark(mark: yaml.Mark | None) -> int | None:
    return mark.line + 1 if mark is not None else None
