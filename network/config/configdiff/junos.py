"""Juniper Junos: ``set`` statements compared as sets (Junos keeps no canonical order).

A statement the intent lacks is deleted at the shortest path under which the intent has
nothing (a whole routing instance, one BGP neighbour...); a leaf whose value changes is
deleted without its value, then every intended statement under it is set again.

:func:`mask` hides every secret Junos prints: the value of a secret leaf
(``encrypted-password``, ``secret``, ``authentication-key``, ``pre-shared-key ascii-text``,
``simple-password``, OSPF ``md5 N key``, NTP ``authentication-key N ... value``...), an SNMP
``community`` name, any ``$9$``/``$6$``... word and the password of a URL. A value Socle
knows is already its placeholder; any other becomes ``<<secret:unknown>>``.
"""

from __future__ import annotations

import re
import shlex
from fnmatch import fnmatchcase

from controlplane.reconcile import text_diff
from network import secrets
from network.config.configdiff.base import ConfigDiff, Scope

Statement = tuple[str, ...]

# Paths Socle owns (shell patterns per word), besides the interfaces it configures.
_OWNED: tuple[Statement, ...] = (
    ("system", "host-name"),
    ("interfaces", "lo0"),
    ("firewall", "family", "inet", "filter", "SOCLE-*"),
    ("class-of-service",),
    ("routing-options", "router-id"),
    ("routing-options", "autonomous-system"),
    ("routing-instances",),
    ("policy-options", "policy-statement", "SOCLE-*"),
    ("policy-options", "community", "SOCLE-*"),
    ("snmp",),
)
_SECRET_LEAVES = frozenset(
    {
        "authentication-password", "privacy-password", "authentication-key", "privacy-key",
        "encrypted-password", "secret", "shared-secret", "client-secret", "password",
        "simple-password", "hello-authentication-key", "community-name", "ascii-text",
        "hexadecimal", "chap-secret", "default-chap-secret", "pap-password",
        "default-pap-password",
    }
)
_HASH = re.compile(r"^\$\d+\$")  # $9$ (reversible), $1$ $5$ $6$ (crypt)
# A statement none of the rules below can match (most of them): not even split into words.
_MAY_HOLD_SECRET = re.compile(
    r"\$\d+\$|://|^set snmp community |\s(?:key|value|"
    + "|".join(sorted(_SECRET_LEAVES))
    + r")\s"
)
_URL_PASSWORD = re.compile(r"([A-Za-z][\w+.-]*://[^/\s:@]+:)([^@\s]+)(@)")
# Outside `set` lines (a `| display set` that failed): the same hashes, and the values
# the curly-brace form marks `## SECRET-DATA`.
_TEXT_SECRETS = (
    re.compile(r'(?<=[\s"])\$\d+\$[^\s";]*'),
    re.compile(r'(?<=\s)"?[^\s";]+"?(?=;\s*## SECRET-DATA)'),
)
_NEEDS_QUOTES = re.compile(r"[\s;{}#\"']|^$")


def _words(line: str) -> Statement | None:
    """The words of a ``set`` line (None for anything else: comments, blank lines)."""
    if not line.startswith("set "):
        return None
    try:
        return tuple(shlex.split(line.removeprefix("set ")))
    except ValueError:
        return tuple(line.removeprefix("set ").split())


def _format(statement: Statement) -> str:
    return " ".join(
        '"' + word.replace('"', '\\"') + '"' if _NEEDS_QUOTES.search(word) else word
        for word in statement
    )


def _secret_words(words: Statement) -> set[int]:
    """The positions of the secret values in a statement."""
    found = {i for i, word in enumerate(words) if _HASH.match(word)}
    if len(words) >= 2 and words[-2] in _SECRET_LEAVES:
        found.add(len(words) - 1)
    if len(words) >= 4 and words[-2] == "key" and words[-4] == "md5":  # ospf ... md5 1 key K
        found.add(len(words) - 1)
    if len(words) >= 2 and words[-2] == "value" and "authentication-key" in words:  # ntp
        found.add(len(words) - 1)
    if words[:2] == ("snmp", "community") and len(words) >= 3:
        found.add(2)
    return found


def _unknown(word: str) -> str:
    return word if secrets.is_placeholder(word) else secrets.UNKNOWN


def mask(text: str) -> str:
    """Mask every secret Socle does not know (known ones are placeholders already).
    Idempotent: masking a masked text changes nothing."""
    out = []
    for line in text.splitlines():
        if not _MAY_HOLD_SECRET.search(line):
            out.append(line)
            continue
        words = _words(line)
        if words is None:
            for pattern in _TEXT_SECRETS:
                line = pattern.sub(lambda m: _unknown(m[0]), line)
            out.append(_URL_PASSWORD.sub(lambda m: m[1] + _unknown(m[2]) + m[3], line))
            continue
        secret = _secret_words(words)
        hidden = tuple(
            _unknown(word) if i in secret
            else _URL_PASSWORD.sub(lambda m: m[1] + _unknown(m[2]) + m[3], word)
            for i, word in enumerate(words)
        )
        out.append(line if hidden == words else "set " + _format(hidden))
    return "\n".join(out)


def _root(statement: Statement, scope: Scope) -> int | None:
    """How many leading words name the owned object ``statement`` belongs to (None: not owned)."""
    if scope.everything:
        return 1
    if statement[:1] == ("interfaces",) and statement[1:2] and statement[1] in scope.interfaces:
        return 2
    for pattern in _OWNED:
        if len(statement) >= len(pattern) and all(
            fnmatchcase(word, want) for word, want in zip(statement, pattern, strict=False)
        ):
            return len(pattern)
    return None


def _owned(text: str, scope: Scope) -> list[Statement]:
    found = []
    for line in text.splitlines():
        words = _words(line.strip())
        if words and _root(words, scope) is not None and words not in found:
            found.append(words)
    return found


def _deletion(statement: Statement, wanted: list[Statement], root: int) -> Statement:
    """The shortest path to delete so that ``statement`` goes and nothing intended does."""
    leaf = statement[:-1]
    if any(len(w) == len(statement) and w[:-1] == leaf for w in wanted):
        return leaf  # a new value replaces this one
    for length in range(root, len(statement) + 1):
        prefix = statement[:length]
        if not any(w[:length] == prefix for w in wanted):
            return prefix
    return statement


def compare(running: str, intended: str, scope: Scope, *, name: str) -> ConfigDiff:
    """Running versus intended Junos configuration on ``scope``."""
    wanted = _owned(intended, scope)
    shown = _owned(running, scope)
    wanted_set, shown_set = set(wanted), set(shown)
    missing = [s for s in wanted if s not in shown_set]
    extra = [s for s in shown if s not in wanted_set]
    deletes: list[Statement] = []
    for statement in extra:
        root = _root(statement, scope) or 1
        path = _deletion(statement, wanted, root)
        if path not in deletes and not any(path[: len(d)] == d for d in deletes):
            deletes.append(path)
    sets = [
        s for s in wanted if s not in shown_set or any(s[: len(d)] == d for d in deletes)
    ]
    return ConfigDiff(
        missing=tuple(f"set {_format(s)}" for s in missing),
        extra=tuple(f"set {_format(s)}" for s in extra),
        lines=tuple(
            [f"delete {_format(d)}" for d in deletes] + [f"set {_format(s)}" for s in sets]
        ),
        diff=text_diff(_text(shown), _text(wanted), name=name) if missing or extra else "",
    )


def _text(statements: list[Statement]) -> str:
    return "".join(f"set {_format(s)}\n" for s in sorted(statements))
