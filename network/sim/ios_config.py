"""Cisco IOS configuration language: a tree of sections, and config-mode line handling."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# Section headers each mode opens, as (full-match regex, kind of the new section).
_CHILD_HEADERS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "global": (
        (re.compile(r"interface \S+"), "if"),
        (re.compile(r"vrf definition \S+"), "vrf"),
        (re.compile(r"ip vrf (?!forwarding\b)\S+"), "vrf"),
        (re.compile(r"router \S+(?: \S+)?"), "router"),
        (re.compile(r"route-map \S+(?: (?:permit|deny))?(?: \d+)?"), "route-map"),
        (re.compile(r"ip access-list (?:extended|standard) \S+"), "acl"),
        (re.compile(r"class-map(?: match-(?:any|all))? \S+"), "class-map"),
        (re.compile(r"policy-map \S+"), "policy-map"),
        (re.compile(r"line .+"), "line"),
    ),
    "policy-map": ((re.compile(r"class \S+"), "policy-class"),),
    "vrf": ((re.compile(r"address-family ipv[46](?: unicast)?"), "vrf-af"),),
    "router": ((re.compile(r"address-family .+"), "router-af"),),
}

_PROMPTS: dict[str, str] = {
    "global": "config",
    "if": "config-if",
    "vrf": "config-vrf",
    "vrf-af": "config-vrf-af",
    "router": "config-router",
    "router-af": "config-router-af",
    "route-map": "config-route-map",
    "acl": "config-ext-nacl",
    "class-map": "config-cmap",
    "policy-map": "config-pmap",
    "policy-class": "config-pmap-c",
    "line": "config-line",
}

# Commands only valid at global level: typed in a sub-mode, they leave it (as IOS does).
_GLOBAL_ONLY = re.compile(
    r"(?:hostname|username|ntp|logging|snmp-server|service|aaa|banner|enable|crypto"
    r"|boot-\S+|ip (?:route|domain|name-server|http|ssh|prefix-list|forward-protocol)"
    r"|ipv6 (?:unicast-routing|cef))(?= |$)"
)

# Commands holding a single value: a new one replaces the old (the match is the key).
_KEYED = re.compile(
    r"(?:hostname|description|rd|mtu|ip mtu|bandwidth|speed|duplex|encapsulation|version"
    r"|vrf forwarding|ip vrf forwarding|bgp router-id|ip domain name|ip ssh version"
    r"|transport input|exec-timeout|neighbor \S+ (?:remote-as|description|update-source)"
    r"|ip address(?= \S+ \S+$| dhcp$|$))(?= |$)"
)

# Defaults that IOS shows as `no ...` once they are turned off.
_SHOWN_NEGATED = frozenset(
    {
        "ip address",
        "ip domain lookup",
        "ip http server",
        "ip http secure-server",
        "aaa new-model",
        "service password-encryption",
        "bgp default ipv4-unicast",
    }
)

# Order of lines in `show running-config`, per mode, by prefix; "*" places the others.
_ORDER: dict[str, tuple[str, ...]] = {
    "global": (
        "version",
        "service",
        "hostname",
        "boot-",
        "aaa",
        "vrf definition",
        "ip vrf",
        "ip domain",
        "ip name-server",
        "ipv6 unicast-routing",
        "username",
        "interface",
        "router",
        "ip forward-protocol",
        "ip http",
        "ip route",
        "ip ssh",
        "ip access-list",
        "ip prefix-list",
        "route-map",
        "*",
        "line",
    ),
    "if": (
        "description",
        "bandwidth",
        "encapsulation",
        "vrf forwarding",
        "ip vrf forwarding",
        "ip address",
        "ip ",
        "ipv6",
        "shutdown",
        "*",
    ),
}

_PHYSICAL_INTERFACE = re.compile(r"interface (?:\S*Ethernet|Serial)[\d/]+")
_DEFAULT_INTERFACE = re.compile(r"default (interface \S+)")
_IPV6_ADDRESS = re.compile(r"((?:no )?ipv6 address )([0-9A-Fa-f:.]+)(/\d+)?(.*)")


def canonical(line: str) -> str:
    """A line as IOS stores it: IPv6 addresses compressed and in upper case."""
    match = _IPV6_ADDRESS.fullmatch(line)
    if not match:
        return line
    try:
        address = ipaddress.IPv6Address(match[2])
    except ValueError:
        return line
    return f"{match[1]}{address.compressed.upper()}{match[3] or ''}{match[4]}"


@dataclass
class Section:
    """A block of configuration: a header line (empty for the root) and its children."""

    text: str
    kind: str
    children: list[Section | str] = field(default_factory=list)


def _key(line: str) -> str:
    """The identity of a plain line: lines with equal keys replace each other."""
    body = line.removeprefix("no ")
    match = _KEYED.match(body)
    return match.group(0) if match else body


def _rank(order: tuple[str, ...], text: str) -> int:
    """Position class of a line or block among its siblings."""
    body = text.removeprefix("no ")
    for index, prefix in enumerate(order):
        if body.startswith(prefix):
            return index
    return order.index("*")


def _child_kind(kind: str, line: str) -> str | None:
    """The kind of section `line` opens when typed in mode `kind`, if it is a header."""
    for pattern, child in _CHILD_HEADERS.get(kind, ()):
        if pattern.fullmatch(line):
            return child
    return None


def _text(node: Section | str) -> str:
    return node if isinstance(node, str) else node.text


class IosConfig:
    """A running configuration: ordered top-level lines and sections."""

    def __init__(self) -> None:
        self.root = Section("", "global")

    def clear(self) -> None:
        """Empty the configuration (in place, so open sessions keep their root)."""
        self.root.children.clear()

    def hostname(self) -> str:
        """The configured hostname ('Router' when none is set, as IOS does)."""
        for child in self.root.children:
            if isinstance(child, str) and child.startswith("hostname "):
                return child.split(" ", 1)[1]
        return "Router"

    def apply(self, lines: Iterable[str]) -> list[str]:
        """Apply config-mode lines from global level; return the error messages."""
        cursor = IosCursor(self)
        errors = []
        for raw in lines:
            line = " ".join(raw.split())
            if line == "end":
                break
            if line == "exit":
                cursor.exit()
            elif error := cursor.feed(line):
                errors.append(error)
        return errors

    def render(self) -> str:
        """The configuration text as `show running-config` prints it, after its header."""
        out: list[str] = []
        previous: Section | str | None = None
        for child in self.root.children:
            if isinstance(child, Section) or isinstance(previous, Section):
                out.append("!")
            if isinstance(child, Section):
                out.append(child.text)
                out.extend(_render_children(child, 1))
            else:
                out.append(child)
            previous = child
        out += ["!", "end"]
        return "\n".join(out)


def _render_children(section: Section, depth: int) -> list[str]:
    indent = " " * depth
    out: list[str] = []
    for child in section.children:
        if isinstance(child, str):
            out.append(indent + child)
            continue
        out += [indent + "!", indent + child.text]
        out.extend(_render_children(child, depth + 1))
        if child.kind.endswith("-af"):
            out.append(indent + "exit-address-family")
    return out


class IosCursor:
    """Where one config-mode session stands in an IosConfig (its stack of sub-modes)."""

    def __init__(self, config: IosConfig) -> None:
        self._stack: list[Section] = [config.root]

    @property
    def mode(self) -> str:
        """The mode name shown in the prompt, e.g. `config-if`."""
        return _PROMPTS[self._stack[-1].kind]

    def exit(self) -> bool:
        """Leave the current sub-mode; False when already at global level."""
        if len(self._stack) == 1:
            return False
        self._stack.pop()
        return True

    def feed(self, line: str) -> str:
        """Apply one normalised config-mode line; return an IOS error message or ''."""
        if not line or line.startswith("!"):
            return ""
        line = canonical(line)
        if len(self._stack) == 1 and (default := _DEFAULT_INTERFACE.fullmatch(line)):
            return _default_interface(self._stack[0], default[1])
        if line == "exit-address-family":
            if self._stack[-1].kind.endswith("-af"):
                self._stack.pop()
            return ""
        negate = line.startswith("no ")
        body = line.removeprefix("no ")
        while len(self._stack) > 1 and self._belongs_above(body):
            self._stack.pop()
        section = self._stack[-1]
        kind = _child_kind(section.kind, body)
        if kind is None and negate:
            _unset(section, body)
        elif kind is None:
            _set(section, line)
        elif negate:
            return _remove_section(section, body)
        else:
            self._stack.append(_open_section(section, body, kind))
        return ""

    def _belongs_above(self, body: str) -> bool:
        """True when `body` is not valid in the current sub-mode but is in a parent."""
        if _child_kind(self._stack[-1].kind, body):
            return False
        if _GLOBAL_ONLY.match(body):
            return True
        return any(_child_kind(parent.kind, body) for parent in self._stack[:-1])


def _insert(section: Section, node: Section | str, at: int | None = None) -> None:
    """Insert at `at`, or where IOS would list the node (plain lines before sub-sections)."""
    children = section.children
    if at is None:
        order = _ORDER.get(section.kind)
        if order:
            rank = _rank(order, _text(node))
            later = [i for i, c in enumerate(children) if _rank(order, _text(c)) > rank]
        elif isinstance(node, str):
            later = [i for i, c in enumerate(children) if isinstance(c, Section)]
        else:
            later = []
        at = later[0] if later else len(children)
    children.insert(at, node)


def _set(section: Section, line: str) -> None:
    key = _key(line)
    for index, child in enumerate(section.children):
        if isinstance(child, str) and _key(child) == key:
            section.children[index] = line
            return
    _insert(section, line)


def _unset(section: Section, body: str) -> None:
    """`no <body>`: remove what it names (here and in nested sections); keep shown defaults."""
    neighbor = re.fullmatch(r"(neighbor \S+) remote-as .*", body)
    target = neighbor.group(1) if neighbor else body
    removed_at = _remove_lines(section, target, recursive=section.kind != "global")
    key = _key(body)
    if key in _SHOWN_NEGATED and f"no {key}" not in section.children:
        _insert(section, f"no {key}", removed_at)


def _remove_lines(section: Section, target: str, recursive: bool) -> int | None:
    """Remove plain lines equal to or starting with `target`; return the first index."""
    first: int | None = None
    kept: list[Section | str] = []
    for child in section.children:
        if isinstance(child, str) and (child == target or child.startswith(target + " ")):
            first = len(kept) if first is None else first
            continue
        if isinstance(child, Section) and recursive:
            _remove_lines(child, target, recursive)
        kept.append(child)
    section.children[:] = kept
    return first


def _remove_section(section: Section, header: str) -> str:
    if _PHYSICAL_INTERFACE.fullmatch(header):
        return "% Removal of physical interfaces is not permitted"
    section.children[:] = [c for c in section.children if _text(c) != header]
    return ""


def _default_interface(root: Section, header: str) -> str:
    """``default interface X``: the interface back to its factory state; the simulator lists
    a physical interface only while it holds configuration, so it leaves the listing."""
    if not _PHYSICAL_INTERFACE.fullmatch(header):
        return "% Invalid input detected at '^' marker."
    root.children[:] = [c for c in root.children if _text(c) != header]
    return ""


def _open_section(section: Section, header: str, kind: str) -> Section:
    for child in section.children:
        if isinstance(child, Section) and child.text == header:
            return child
    new = Section(header, kind)
    _insert(section, new)
    return new
