"""Cisco IOS: hierarchical sections (parsed by ``netutils``), compared line by line within
their section; removals become ``no ...`` inside the section, a removed section one
``no <header>``; sub-modes are left with ``exit`` so every line lands where it belongs.

Arista EOS speaks the same language with other section names: a :class:`Dialect` says
which parser reads a platform's text and which top-level sections Socle owns
(:mod:`network.config.configdiff.eos`).

:func:`mask` hides every secret form IOS, IOS-XE and EOS print (:data:`SECRETS`): a value
Socle knows is already its placeholder (:meth:`network.secrets.Secrets.mask`), any other
becomes ``<<secret:unknown>>``, whatever its type (0 clear text, 7 reversible, 5/8/9 and
``sha512`` hashes). A line holding a masked value is removed without repeating it
(``no username U``, ``no neighbor A password``...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from netutils.config.compliance import parser_map

from controlplane.reconcile import text_diff
from network import secrets
from network.config.configdiff.base import ConfigDiff, Scope

Path = tuple[str, ...]
Line = tuple[Path, str]  # (parent section headers, the line as shown, indented)

# Top-level lines and sections Socle owns (besides the interfaces it configures).
_OWNED = re.compile(
    r"^(?:hostname |vrf definition |router bgp |line vty |snmp-server |ipv6 unicast-routing$"
    r"|class-map (?:match-\S+ )?SOCLE-|policy-map SOCLE-|ip access-list \S+ SOCLE-)"
)
_STRUCTURE = frozenset({"exit-address-family", "end"})
# A physical interface cannot be removed (``no interface Gi0/3`` is refused): it is put
# back to its defaults instead (``default interface Gi0/3``).
_PHYSICAL_INTERFACE = re.compile(r"interface (?:\S*Ethernet|Serial)[\d/]+")
_BANNER = re.compile(r"^(?:Building configuration|Current configuration|!)")


@dataclass(frozen=True)
class Secret:
    """Where a secret is on a line: ``pattern``'s group ``v`` (``parents``: only in a
    top-level section whose header matches, e.g. the ``password`` of a ``line``)."""

    pattern: re.Pattern[str]
    parents: re.Pattern[str] | None = None


def _secret(pattern: str, parents: str | None = None) -> Secret:
    return Secret(re.compile(pattern), re.compile(parents) if parents else None)


_TYPE = r"(?:(?:[0-9]|sha512) )?"  # 0 clear, 5/8/9 hash, 6 AES, 7 reversible; EOS sha512
_REST = r"(?P<v>\S.*?)\s*$"  # up to the end of the line: IOS passwords may hold spaces
_WORD = r"(?P<v>\S+)"
# Every form of secret `show running-config` prints on IOS, IOS-XE and EOS, in order.
SECRETS: tuple[Secret, ...] = (
    _secret(r"[A-Za-z][\w+.-]*://[^/\s:@]+:(?P<v>[^@\s]+)@"),  # ftp://user:password@host
    _secret(r"(?<!\S)(?P<v>\$\d+\$\S+)"),  # any crypt hash: $1$ $5$ $6$ $8$ $9$...
    _secret(r"^\s*enable (?:secret|password)(?: level \d+)? " + _TYPE + _REST),
    _secret(r"^\s*username \S+ (?:.*? )?(?:password|secret) " + _TYPE + _REST),
    _secret(r"^\s*snmp-server community " + _WORD),
    _secret(r"^\s*snmp-server host \S+ (?:vrf \S+ )?(?:informs |traps )?"
            r"(?:version (?:1|2c) )?(?!version )" + _WORD),
    _secret(r"^\s*snmp mib community-map " + _WORD),
    _secret(r"^\s*snmp-server user \S+ .*?\bauth \S+ " + _WORD),
    _secret(r"^\s*snmp-server user \S+ .*?\bpriv \S+ (?:(?:128|192|256) )?" + _WORD),
    _secret(r"\bkey-string " + _TYPE + _REST),  # key chains, HSRP md5
    _secret(r"^\s*(?:tacacs-server|radius-server) key " + _TYPE + _REST),
    _secret(r"^\s*(?:tacacs-server|radius-server) host \S+ (?:.*? )?key " + _TYPE + _REST),
    _secret(r"^\s*key " + _TYPE + _REST, parents=r"^(?:tacacs|radius) server "),
    _secret(r"^\s*server-private \S+ (?:.*? )?key " + _TYPE + _REST),
    _secret(r"\bserver-key " + _TYPE + _REST),
    _secret(r"^\s*neighbor \S+ password " + _TYPE + _REST),
    _secret(r"^\s*crypto isakmp key " + _TYPE + _WORD),
    _secret(r"\bpre-shared-key (?:address|hostname) (?:.*? )?key " + _TYPE + _REST),
    _secret(r"\bpre-shared-key (?:local |remote )?(?!address |hostname )" + _TYPE + _REST),
    _secret(r"^\s*(?:ip|ipv6) ospf authentication-key " + _TYPE + _REST),
    _secret(r"\bmessage-digest-key \d+ md5 " + _TYPE + _REST),
    _secret(r"^\s*ppp (?:chap|pap) password " + _TYPE + _REST),
    _secret(r"\bsent-username \S+ password " + _TYPE + _REST),
    _secret(r"^\s*(?:wpa-psk|set-key) (?:ascii|hex) " + _TYPE + _REST),
    _secret(r"^\s*password " + _TYPE + _REST, parents=r"^(?:line|l2tp-class|vpdn-group) "),
    _secret(r"^\s*ntp authentication-key \d+ md5 " + _TYPE + _WORD),
    _secret(r"\bstandby (?:\d+ )?authentication (?:text )?(?!md5 )" + _REST),
    _secret(r"\bauthentication text " + _REST),  # VRRP, GLBP
    _secret(r"^\s*(?:isis password|area-password|domain-password) " + _TYPE + _WORD),
    _secret(r"\bauthentication key " + _TYPE + _WORD),  # EOS IS-IS
    _secret(r"^\s*ip nhrp authentication " + _WORD),
    _secret(r"^\s*ip (?:ftp|http client) password " + _TYPE + _REST),
    _secret(r"^\s*key config-key password-encrypt " + _REST),
    _secret(r"\bbind authenticate .*?\bpassword " + _TYPE + _REST),  # LDAP
    # Any other keyword followed by an encryption type: 0 is clear text, 5-9 one word.
    _secret(r"\b(?:password|secret|key|authentication-key|md5) 0 " + _REST),
    _secret(r"\b(?:password|secret|key|authentication-key|md5) [5-9] " + _WORD),
)
# A line none of SECRETS can match (most of them): a quick test before trying each.
_MAY_HOLD_SECRET = re.compile(
    r"password|secret|key|psk|md5|community|://|\$\d+\$|snmp-server (?:host|user)|authentication"
)
# A line holding a masked value is removed by what precedes the value, never repeating it.
_REMOVAL = tuple(
    re.compile(pattern)
    for pattern in (
        r"^snmp-server user \S+ \S+ v3",
        r"^username \S+",
        r"^enable (?:secret|password)(?: level \d+)?",
        r"^neighbor \S+ password",
        r"^(?:tacacs-server|radius-server) key",
        r"^key-string",
        r"^key(?= )",
        r"^password(?= )",
        r"^(?:ip|ipv6) ospf authentication-key",
        r"^(?:ip|ipv6) ospf message-digest-key \d+",
        r"^ppp (?:chap|pap) password",
        r"^ntp authentication-key \d+",
        r"^wpa-psk",
    )
)


def mask_line(line: str, secrets_: tuple[Secret, ...] = SECRETS, parent: str = "") -> str:
    """``line`` with each secret value not yet a placeholder replaced by
    ``<<secret:unknown>>`` (``parent``: the header of its top-level section)."""

    def hide(match: re.Match[str]) -> str:
        value = match["v"]
        if secrets.is_placeholder(value):
            return match[0]
        start, end = match.start("v") - match.start(), match.end("v") - match.start()
        return match[0][:start] + secrets.UNKNOWN + match[0][end:]

    if not _MAY_HOLD_SECRET.search(line):
        return line
    for secret in secrets_:
        if secret.parents is None or secret.parents.match(parent):
            line = secret.pattern.sub(hide, line)
    return line


@dataclass(frozen=True)
class Dialect:
    """What distinguishes an IOS-like platform: its netutils parser, the top-level lines
    and sections Socle owns there, and the secret forms it prints."""

    parser: str
    owned: re.Pattern[str]
    secrets: tuple[Secret, ...] = SECRETS


IOS = Dialect("cisco_ios", _OWNED)
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
    """``text`` without its banner, every secret Socle does not know masked (known ones
    are placeholders already). Idempotent: masking a masked text changes nothing."""
    out = []
    parent = ""
    for line in strip_header(text).splitlines():
        if line[:1] not in ("", " ", "!"):
            parent = line
        out.append(mask_line(line, dialect.secrets, parent))
    return "\n".join(out)


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
    if not indent and _PHYSICAL_INTERFACE.fullmatch(body):
        return f"default {body}"
    if body.startswith("no "):
        return indent + body.removeprefix("no ")
    if body.startswith("snmp-server user ") or "<<secret:" in body:
        for removal in _REMOVAL:  # never repeat a secret, even a masked one
            if match := removal.match(body):
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
