"""Secrets by reference: ``env:VARIABLE`` or ``file:NAME``, never the secret itself.

Socle stores, shows and logs references only. A value is resolved at the last moment
(an SSH login, a configuration push, a storage client) and never kept. Errors name the
reference, never a value.

Every reference belongs to the :class:`SecretNamespace` of the plane that owns the
credential (``network``, ``hosting``, ``apps``), and resolves only inside it:

- ``file:NAME`` is the regular file ``SOCLE_DATA_DIR/secrets/<namespace>/NAME`` that
  only its owner may read (mode 0600; ``NAME`` has no ``/``). Socle's own files at the
  data directory's root (the console's signing key, the demo tokens, the database) and
  another plane's secrets are out of reach of any reference;
- ``env:NAME`` is accepted only when ``NAME`` starts with ``SOCLE_SECRET_<NAMESPACE>_``
  (``env:SOCLE_SECRET_APPS_LDAP_PW``), so no reference reads the process's own settings
  (``SOCLE_DATABASE_URL``...) or another plane's variables.

A reference outside its namespace is refused at the edge (the plane's schemas use
:attr:`SecretNamespace.reference`: a 422 saying which form is expected and where the
file goes) and again at resolution (:class:`SecretError`, nothing read). So is a
``file:`` reference to a name Socle gives its own files (:data:`GENERATED`: the console
key, the restic passwords...) from any other namespace than the one that makes it:
harmless once namespaced, it can only be a mistake or an attempt.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import tempfile
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field

SECRETS_DIR = "secrets"  # under SOCLE_DATA_DIR: one sub-directory per namespace
MAX_LENGTH = 200  # the reference columns' size
_REFERENCE = re.compile(r"^(env|file):([A-Za-z0-9_][A-Za-z0-9._-]*)$")
_NAMESPACE = re.compile(r"^[a-z][a-z0-9]*$")

#: Names Socle gives the secret files it makes, with the namespace that makes them
#: (None: Socle's own files at the data directory's root, no plane's).
GENERATED: tuple[tuple[str, str | None, str], ...] = (
    ("console-secret.key", None, "the web console's signing key"),
    ("metrics-scrape.token", None, "the token Prometheus scrapes /metrics with"),
    ("demo-tokens.json", None, "the demo API tokens"),
    ("restic-*.password*", "hosting", "a tenant's restic password"),
    ("demo-hds-*.keys", "hosting", "a demo HDS provider's keys"),
    ("demo-routers.key", "network", "the demo routers' password"),
    ("demo-snmp-*.key", "network", "a demo SNMPv3 key"),
    ("snmp-*.key", "network", "an SNMPv3 key (the demo writes the simulated agents')"),
)


class SecretError(RuntimeError):
    """A secret reference that cannot be resolved; the message names the reference only."""


class SecretNamespace:
    """The secrets one plane may refer to: a directory and an environment prefix.

    ``SecretNamespace("network")`` resolves ``file:NAME`` in
    ``SOCLE_DATA_DIR/secrets/network/`` and ``env:SOCLE_SECRET_NETWORK_*`` only.
    :attr:`reference` is the pydantic type of a reference field of that plane.
    """

    __slots__ = ("env_prefix", "name", "reference")

    def __init__(self, name: str) -> None:
        if not _NAMESPACE.match(name):
            raise ValueError(f"secret namespace {name!r}: lowercase letters and digits")
        self.name = name
        self.env_prefix = f"SOCLE_SECRET_{name.upper()}_"
        self.reference: Any = Annotated[
            str, Field(max_length=MAX_LENGTH), AfterValidator(self.check)
        ]

    def __repr__(self) -> str:
        return f"SecretNamespace({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretNamespace) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    @property
    def form(self) -> str:
        """The accepted forms, in words (for help texts and error messages)."""
        return (f"env:{self.env_prefix}NAME or file:NAME (a 0600 file in "
                f"SOCLE_DATA_DIR/{SECRETS_DIR}/{self.name}/)")

    def directory(self, data_dir: Path) -> Path:
        """Where this namespace's ``file:`` secrets are."""
        return data_dir / SECRETS_DIR / self.name

    def _env_allowed(self, name: str) -> bool:
        return name.startswith(self.env_prefix) and len(name) > len(self.env_prefix)

    def env_name(self, name: str) -> str:
        """The variable an ``env:`` reference to ``name`` should use in this namespace
        (``SOCLE_SNMP_AUTH_KEY`` → ``SOCLE_SECRET_NETWORK_SNMP_AUTH_KEY``)."""
        if self._env_allowed(name):
            return name
        tail = re.sub(r"[^A-Z0-9_]", "_", name.upper())
        tail = tail.removeprefix(self.env_prefix).removeprefix("SOCLE_")
        return self.env_prefix + (tail or "NAME")

    def problem(self, reference: str, *, stored: bool = False) -> str | None:
        """Why ``reference`` may not be resolved in this namespace (None when it may).

        ``stored``: the reference is already kept (a resolution), so an ``env:`` one out
        of the namespace is told what to rename.
        """
        match = _REFERENCE.match(reference)
        if match is None:
            return f"a reference to the secret, never the secret: {self.form}"
        source, name = match.groups()
        if source == "file":
            for pattern, owner, what in GENERATED:
                if owner != self.name and fnmatchcase(name, pattern):
                    whose = f"the {owner} plane's" if owner else "Socle's own"
                    return (f"{name} is the name of {what} ({whose} secret, out of reach of "
                            f"the {self.name} plane): file:NAME names a 0600 file in "
                            f"SOCLE_DATA_DIR/{SECRETS_DIR}/{self.name}/")
        if source == "env" and not self._env_allowed(name):
            expected = (f"the {self.name} plane reads only variables named "
                        f"{self.env_prefix}*")
            if stored:
                return (f"{expected}: rename the variable {name} to {self.env_name(name)} "
                        f"and change the reference to env:{self.env_name(name)} (or move "
                        f"the secret to a file, see file:NAME)")
            return (f"{expected}: env:{self.env_prefix}NAME, or file:NAME for a 0600 file "
                    f"in SOCLE_DATA_DIR/{SECRETS_DIR}/{self.name}/")
        return None

    def check(self, value: str) -> str:
        """``value`` if this namespace may resolve it, else :class:`ValueError` saying
        which form is expected (a pydantic validator: a 422 at the edge)."""
        problem = self.problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    def path(self, data_dir: Path, reference: str) -> Path:
        """The file a ``file:`` reference of this namespace names (not read)."""
        problem = self.problem(reference)
        if problem is not None:
            raise SecretError(f"secret {reference!r}: refused: {problem}")
        source, _, name = reference.partition(":")
        if source != "file":
            raise SecretError(f"secret {reference}: not a file: reference")
        return self.directory(data_dir) / name

    def resolve(self, reference: str, data_dir: Path) -> str:
        """The secret ``reference`` names; :class:`SecretError` (naming the reference
        only) if it is out of this namespace (nothing is read then), absent or unsafe."""
        problem = self.problem(reference, stored=True)
        if problem is not None:
            raise SecretError(f"secret {reference!r}: refused: {problem}")
        source, _, name = reference.partition(":")
        if source == "env":
            value = os.environ.get(name)
            if not value:
                raise SecretError(f"secret {reference}: the variable is not set")
            return value
        directory = self.directory(data_dir)
        path = directory / name
        try:
            info = path.stat()
        except OSError:
            raise SecretError(f"secret {reference}: no such file in {directory}") from None
        mode = stat.S_IMODE(info.st_mode)
        if not stat.S_ISREG(info.st_mode) or mode & 0o077:
            raise SecretError(
                f"secret {reference}: refused, mode {mode:04o} lets others read it (chmod 600)"
            )
        value = path.read_text(encoding="utf-8").strip()
        if not value:
            raise SecretError(f"secret {reference}: the file is empty")
        return value

    def store_file(self, data_dir: Path, name: str, value: str, *, replace: bool = True) -> str:
        """Write ``value`` to the namespace's file ``name``, readable by its owner only;
        its reference.

        Directories are created 0700 and the file 0600 (never briefly world-readable).
        With ``replace=False`` an existing file is kept as it is (a generated key must
        not change once data was encrypted with it).
        """
        reference = f"file:{name}"
        path = self.path(data_dir, reference)
        _private_directory(path.parent.parent)
        _private_directory(path.parent)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
        try:
            descriptor = os.open(path, flags, 0o600)
        except FileExistsError:
            return reference
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
        path.chmod(0o600)
        return reference


def _private_directory(path: Path) -> None:
    """Create ``path`` (and its parents) if missing; a directory Socle creates is 0700."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        return
    path.chmod(0o700)  # whatever the umask


__all__ = ["GENERATED", "SECRETS_DIR", "SecretError", "SecretNamespace"]


def own_secret(data_dir: Path, name: str, *, nbytes: int = 32) -> str:
    """The random secret Socle keeps for itself in ``data_dir/name`` (hex, mode 0600),
    created the first time.

    Several processes may start at once: each writes a candidate to a private temp file
    and hard-links it into place; ``link`` fails for all but the first, so every process
    ends up reading the same secret.
    """
    path = data_dir / name
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor, candidate = tempfile.mkstemp(dir=data_dir, prefix=f".{name}.")
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(nbytes))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(candidate, path)  # atomic: the first process to get here wins
        finally:
            os.unlink(candidate)
    value = path.read_text().strip()
    if len(value) < 2 * nbytes:
        raise SecretError(f"{path} is too short to be one of Socle's secrets: delete it to "
                          "renew it")
    return value
