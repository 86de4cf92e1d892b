"""Validate one framework file and locate every problem in it by line.

Three passes, each reporting ``path:line``: YAML syntax (and repeated keys), the schema
of the file's kind (:mod:`ssi.library.framework_file`), then identifiers unique within the version
(chapter ids among chapters, item ids among all items: answers and evidence are keyed
by item id).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ssi.errors import INVALID_FILE, FrameworkLibraryError, Problem
from ssi.library.framework_file import MODELS, Framework
from ssi.library.yamlfile import Location, YamlDocument, YamlSyntaxError, line_of, parse


def read_framework(path: Path) -> Framework:
    """Load and validate one framework file; raise :class:`FrameworkLibraryError` listing
    each problem with the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _failure(path, None, f"cannot read the file: {exc}") from exc
    try:
        document = parse(text)
    except YamlSyntaxError as exc:
        raise _failure(path, exc.line, f"YAML syntax: {exc.message}") from exc
    if document is None or not isinstance(document.data, dict):
        line = line_of(document.root, ()) if document is not None else None
        raise _failure(path, line, "a framework file holds one mapping (id, version, kind, ...)")
    model = _model_for(path, document)
    try:
        framework = model.model_validate(document.data)
    except ValidationError as exc:
        problems = (_schema_problem(path, document, error) for error in exc.errors())
        raise FrameworkLibraryError.of(sorted(problems, key=lambda p: p.line or 0)) from exc
    clashes = [
        Problem(
            INVALID_FILE,
            path,
            line_of(document.root, where),
            f"{_dotted(where)}: {what} {ident!r} already used at line "
            f"{line_of(document.root, first)}",
        )
        for where, first, what, ident in _id_clashes(framework)
    ]
    if clashes:
        raise FrameworkLibraryError.of(clashes)
    return framework


def _model_for(path: Path, document: YamlDocument) -> type[Framework]:
    kind = document.data.get("kind")
    model = MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        expected = ", ".join(sorted(MODELS))
        found = "missing" if kind is None else f"unknown ({kind!r})"
        raise _failure(
            path, line_of(document.root, ("kind",)), f"kind: {found}; expected one of {expected}"
        )
    return model


def _schema_problem(path: Path, document: YamlDocument, error: ErrorDetails) -> Problem:
    where = tuple(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    return Problem(
        INVALID_FILE, path, line_of(document.root, where), f"{_dotted(where)}: {message}"
    )


def _id_clashes(framework: Framework) -> Iterator[tuple[Location, Location, str, str]]:
    """(where, first occurrence, what, id) for each identifier used twice in the version."""
    chapters: dict[str, Location] = {}
    items: dict[str, Location] = {}
    for c, chapter in enumerate(framework.chapters):
        where: Location = ("chapters", c, "id")
        if chapter.id in chapters:
            yield where, chapters[chapter.id], "chapter id", chapter.id
        chapters.setdefault(chapter.id, where)
        for i, item in enumerate(chapter.items):
            where = ("chapters", c, "items", i, "id")
            if item.id in items:
                yield where, items[item.id], "item id", item.id
            items.setdefault(item.id, where)


def _dotted(location: Location) -> str:
    """``("chapters", 0, "items", 2, "id")`` → ``chapters[0].items[2].id``."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"


def _failure(path: Path, line: int | None, message: str) -> FrameworkLibraryError:
    return FrameworkLibraryError.of([Problem(INVALID_FILE, path, line, message)])
