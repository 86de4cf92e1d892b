"""Cisco IOS: hierarchical sections (parsed by ``netutils``), compared line by line within
their section; removals become ``no ...`` inside the section, a removed section one
``no <header>``; sub-modes are left with ``exit`` so every line lands where it belongs.

Arista EOS speaks the same language with other section names: a :class:`Dialect` says
which parser reads a platform's text, which top-level sections Socle owns and where the
SNMPv3 keys are (:mod:`network.configdiff.eos`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from netutils.config.compliance import parser_map

from controlplane.reconcile import text_diff
from network import secrets
from network.configdiff.base import ConfigDiff, Scope

Path = tuple[str, ...]
Line = tuple[Path, str]  # (parent section headers, the line as shown, indented)

# Top-level lines and sections Socle owns (besides the interfaces it configures).
_OWNED = re.compile(
    r"^(?:hostname |vrf definition |router bgp |line vty |snmp-server |ipv6 unicast-routing$"
    r"|class-map (?:match-\S+ )?SOCLE-|policy-map SOCLE-|ip access-list \S+ SOCLE-)"
)
_STRUCTURE = frozenset({"exit-address-family", "end"})
_BANNER = re.compile(r"^(?:Building configuration|Current configuration|!)")
_SECRET = re.compile(
    r"^(\s*snmp-server user \S+ \S+ v3 auth \S+ )(\S+)( priv \S+(?: \d+)? )(\S+)"
)
_SNMP_USER = re.compile(r"^snmp-server user \S+ \S+ v3")


@dataclass(frozen=True)
class Dialect:
    """What distinguishes an IOS-like platform: its netutils parser, the top-level lines
    and sections Socle owns there, and the SNMPv3 user line holding the keys."""

    parser: str
    owned: re.Pattern[str]
    secret: re.Pattern[str]


IOS = Dialect("cisco_ios", _OWNED, _SECRET)
# A change of the first kind of line makes IOS drop the second: push those again.
_KNOCK_ON = (
    (re.compile(r"^vrf (?:forwarding )?\S+$"), lambda _m: re.compile(r"^(?:ip|ipv6) address ")),
    (
        re.compile(r"^neighbor (\S+) remote-as "),
        lambda m: re.compile(rf"^neighbor {re.escape(m[1])} "),
    ),
)


def strip_header(text: str) -> str:
    """Drop the banner `show running-config` prints before the configuration."""
    lines = text.splitlines()
    while lines and (_BANNER.match(lines[0]) or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines)


def mask(text: str, dialect: Dialect = IOS) -> str:
    """Mask SNMPv3 keys Socle does not know (known ones are placeholders already)."""

    def hide(match: re.Match[str]) -> str:
        auth, priv = match[2], match[4]
        return (
            match[1]
            + (auth if secrets.is_placeholder(auth) else secrets.UNKNOWN)
            + match[3]
            + (priv if secrets.is_placeholder(priv) else secrets.UNKNOWN)
        )

    lines = strip_header(text).splitlines()
    return "\n".join(dialect.secret.sub(hide, line) for line in lines)


def _parse(text: str, dialect: Dialect) -> list[Line]:
    parsed = parser_map[dialect.parser](strip_header(text)).config_lines
    return [
        (tuple(p.rstrip() for p in item.parents), item.config_line.rstrip())
        for item in parsed
        if item.config_line.strip() not in _STRUCTURE
    ]


def _owned(line: Line, scope: Scope, dialect: Dialect) -> bool:
    parents, text = line
    top = parents[0] if parents else text
    if scope.everything:
        return True
    if top.startswith("interface "):
        return top.removeprefix("interface ") in scope.interfaces
    return bool(dialect.owned.match(top))


def _headers(lines: Iterable[Line]) -> set[Path]:
    return {parents[: i + 1] for parents, _ in lines for i in range(len(parents))}


def _negate(text: str) -> str:
    indent = text[: len(text) - len(text.lstrip())]
    body = text.strip()
    if body.startswith("no "):
        return indent + body.removeprefix("no ")
    if match := _SNMP_USER.match(body):  # never repeat a key, even a masked one
        return f"{indent}no {match[0]}"
    return f"{indent}no {body}"


class _Pusher:
    """Builds the pushed lines, entering and leaving sections as each line needs."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.mode: Path = ()

    def emit(self, parents: Path, text: str, *, opens: bool) -> None:
        if self.mode != parents:
            keep = 0
            while keep < min(len(self.mode), len(parents)) and self.mode[keep] == parents[keep]:
                keep += 1
            self.out += ["exit"] * (len(self.mode) - keep)
            self.out += list(parents[keep:])
            self.mode = parents
        self.out.append(text)
        if opens:
            self.mode = (*parents, text)


def _knock_on(extra: list[Line], missing: list[Line], intended: list[Line]) -> list[Line]:
    """Intended lines IOS drops as a side effect of the changed ones: push them again."""
    again: list[Line] = []
    for parents, text in [*extra, *missing]:
        for trigger, dependent in _KNOCK_ON:
            if match := trigger.match(text.strip()):
                pattern = dependent(match)
                again += [
                    line
                    for line in intended
                    if line[0] == parents and pattern.match(line[1].strip())
                ]
    return again


def compare(
    running: str, intended: str, scope: Scope, *, name: str, dialect: Dialect = IOS
) -> ConfigDiff:
    """Running versus intended IOS (or ``dialect``) configuration on ``scope``."""
    wanted = [line for line in _parse(intended, dialect) if _owned(line, scope, dialect)]
    wanted_set = set(wanted)
    shown = [
        line
        for line in _parse(running, dialect)
        if _owned(line, scope, dialect)
        and (not line[1].strip().startswith("no ") or line in wanted_set)
    ]
    shown_set = set(shown)
    missing = [line for line in wanted if line not in shown_set]
    extra = [line for line in shown if line not in wanted_set]
    headers = _headers(wanted) | _headers(shown)
    pusher = _Pusher()
    removed: set[Path] = set()
    for parents, text in extra:
        if any(parents[: i + 1] in removed for i in range(len(parents))):
            continue  # its whole section goes
        if (*parents, text) in headers:
            removed.add((*parents, text))
        pusher.emit(parents, _negate(text), opens=False)
    order = {line: index for index, line in enumerate(wanted)}
    additions = sorted(
        set(missing) | set(_knock_on(extra, missing, wanted)), key=order.__getitem__
    )
    for parents, text in additions:
        pusher.emit(parents, text, opens=(*parents, text) in headers)
    return ConfigDiff(
        missing=tuple(_describe(line) for line in missing),
        extra=tuple(_describe(line) for line in extra),
        lines=tuple(pusher.out),
        diff=text_diff(_text(shown), _text(wanted), name=name) if missing or extra else "",
    )


def _describe(line: Line) -> str:
    parents, text = line
    return " > ".join([*(p.strip() for p in parents), text.strip()])


def _text(lines: list[Line]) -> str:
    return "".join(text + "\n" for _, text in lines)
