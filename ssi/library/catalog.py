"""The frameworks library: every framework version found at start, looked up by id and version.

:func:`load_library` reads the files shipped in ``ssi/library/frameworks/`` and, when given, an
operator's extra directory (``$SOCLE_DATA_DIR/frameworks``, see ``ssi.library.service``),
recursively: every ``*.yaml`` / ``*.yml`` file is one framework version. Files may sit
anywhere in those trees; ``<id>/<version>.yaml`` is the convention. All problems of all files are
gathered and raised together; a library is only returned when every file is valid,
no (id, version) is defined twice and no framework changes kind between versions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ssi.errors import (
    DUPLICATE_VERSION,
    KIND_CHANGED,
    MISSING_DIRECTORY,
    FrameworkLibraryError,
    Problem,
    not_a_checklist,
    unknown_framework,
    unknown_version,
)
from ssi.library.framework_file import ChecklistFramework, Framework, version_key
from ssi.library.validation import read_framework

SHIPPED_DIR = Path(__file__).resolve().parent / "frameworks"


class FrameworkLibrary:
    """Immutable set of framework versions; build it with :func:`load_library`."""

    def __init__(self, frameworks: dict[tuple[str, str], Framework]) -> None:
        self._versions: dict[str, dict[str, Framework]] = {}
        for (framework_id, version), framework in sorted(
            frameworks.items(), key=lambda entry: (entry[0][0], version_key(entry[0][1]))
        ):
            self._versions.setdefault(framework_id, {})[version] = framework

    def __iter__(self) -> Iterator[Framework]:
        """Every version of every framework, by id then ascending version."""
        for versions in self._versions.values():
            yield from versions.values()

    def __len__(self) -> int:
        return sum(len(versions) for versions in self._versions.values())

    def ids(self) -> tuple[str, ...]:
        """The framework ids, sorted."""
        return tuple(self._versions)

    def versions(self, framework_id: str) -> tuple[str, ...]:
        """The versions of one framework, oldest first; 404 error if the id is unknown."""
        return tuple(self._of(framework_id))

    def get(self, framework_id: str, version: str | None = None) -> Framework:
        """One version of a framework; the latest when ``version`` is ``None``."""
        versions = self._of(framework_id)
        if version is None:
            return next(reversed(versions.values()))
        if version not in versions:
            raise unknown_version(framework_id, version)
        return versions[version]

    def latest(self, framework_id: str) -> Framework:
        """The latest version of a framework (highest version number)."""
        return self.get(framework_id)

    def checklist(self, framework_id: str, version: str | None = None) -> ChecklistFramework:
        """Like :meth:`get`, for a framework that must be a checklist (422 otherwise)."""
        framework = self.get(framework_id, version)
        if not isinstance(framework, ChecklistFramework):
            raise not_a_checklist(framework_id, framework.kind)
        return framework

    def _of(self, framework_id: str) -> dict[str, Framework]:
        if framework_id not in self._versions:
            raise unknown_framework(framework_id)
        return self._versions[framework_id]


def load_library(
    extra_dir: Path | None = None, *, shipped_dir: Path = SHIPPED_DIR
) -> FrameworkLibrary:
    """Read and validate every framework file of ``shipped_dir`` and ``extra_dir``;
    raise :class:`FrameworkLibraryError` listing every problem found, with paths and lines."""
    problems: list[Problem] = []
    found: dict[tuple[str, str], tuple[Path, Framework]] = {}
    kinds: dict[str, tuple[Path, str]] = {}
    for directory in (shipped_dir, extra_dir):
        if directory is None:
            continue
        if not directory.is_dir():
            problems.append(Problem(MISSING_DIRECTORY, directory, None, "no such directory"))
            continue
        for path in _framework_files(directory):
            try:
                framework = read_framework(path)
            except FrameworkLibraryError as exc:
                problems.extend(exc.problems)
                continue
            key = (framework.id, framework.version)
            if key in found:
                problems.append(
                    Problem(
                        DUPLICATE_VERSION,
                        path,
                        None,
                        f"framework {framework.id} version {framework.version} is already "
                        f"defined by {found[key][0]}",
                    )
                )
                continue
            first_kind = kinds.setdefault(framework.id, (path, framework.kind))
            if first_kind[1] != framework.kind:
                problems.append(
                    Problem(
                        KIND_CHANGED,
                        path,
                        None,
                        f"framework {framework.id} is of kind {first_kind[1]} in "
                        f"{first_kind[0]}, {framework.kind} here",
                    )
                )
                continue
            found[key] = (path, framework)
    if problems:
        raise FrameworkLibraryError.of(problems)
    return FrameworkLibrary({key: framework for key, (_, framework) in found.items()})


def _framework_files(directory: Path) -> list[Path]:
    """The framework files under ``directory`` (recursively), in a stable order; hidden
    files and directories (editor backups, ``.git``) are skipped."""
    return sorted(
        path
        for path in directory.rglob("*")
        if path.suffix in (".yaml", ".yml")
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(directory).parts)
    )
