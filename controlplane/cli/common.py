"""What every CLI command shares: database access, the local actor, output and errors."""

from __future__ import annotations

import getpass
import json
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy import Select
from sqlalchemy.orm import Session

from controlplane.db import Scope, ScopeViolation, get_database
from controlplane.errors import InvalidInput, SocleError

console = Console()
errors = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

JsonOption = typer.Option(False, "--json", help="Print JSON for scripts instead of a table.")
WaitOption = typer.Option(False, "--wait", help="Follow the job with a progress bar.")
HereOption = typer.Option(
    False, "--here", help="Run the job in this process (no worker needed) and follow it."
)


def local_actor() -> str:
    """How a CLI user is named in the audit log."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}@{socket.gethostname()}"


@contextmanager
def transaction(*, write: bool = True) -> Iterator[Session]:
    """A unit of work on the configured database, with the CLI's full scope."""
    with get_database().transaction(scope=Scope.unrestricted(), write=write) as db:
        yield db


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain and validation errors into a clear message and an exit code.

    Exit codes: 2 invalid input, 3 not found, 4 conflict, 1 anything else.
    """

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(p) for p in error["loc"]) or "input"
                message = str(error["msg"]).removeprefix("Value error, ")
                errors.print(f"[red]error[/red] {field}: {message}")
            raise typer.Exit(2) from None
        except SocleError as exc:
            errors.print(f"[red]error[/red] {exc.code}: {exc.detail}")
            code = {422: 2, 404: 3, 409: 4}.get(exc.status, 1)
            if isinstance(exc, InvalidInput):
                code = 2
            raise typer.Exit(code) from None
        except ScopeViolation as exc:
            errors.print(f"[red]error[/red] {exc}")
            raise typer.Exit(1) from None

    return wrapper


def emit_json(data: Any) -> None:
    """Print JSON (models, lists of models, plain data) on stdout."""

    def plain(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json")
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    sys.stdout.write(json.dumps(plain(data), indent=2, ensure_ascii=False, default=str) + "\n")


def emit_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a Rich table."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)


def emit_rows(
    items: Sequence[Any],
    as_json: bool,
    *,
    title: str,
    columns: Sequence[str],
    row: Callable[[Any], Sequence[Any]] | None = None,
) -> None:
    """A listing: JSON for scripts (``--json``), else a table titled ``title``: one line
    per item, ``row(item)`` or, by default, the item's fields named by ``columns``."""
    if as_json:
        emit_json(list(items))
        return
    if row is None:
        dumped = [i.model_dump(mode="json") if isinstance(i, BaseModel) else i for i in items]
        emit_table(title, columns, [[fields[c] for c in columns] for fields in dumped])
    else:
        emit_table(title, columns, [row(item) for item in items])


def emit_query(query: Select[Any] | Callable[[Session], Select[Any]], read: type[BaseModel],
               as_json: bool, *, title: str, columns: Sequence[str]) -> None:
    """Every row of ``query`` (or of the query it makes with the session) in one read-only
    transaction, shown through its ``read`` shape: JSON for scripts (``--json``), else a
    table of ``columns``."""
    with transaction(write=False) as db:
        stmt = query if isinstance(query, Select) else query(db)
        rows = [read.model_validate(row) for row in db.scalars(stmt)]
    emit_rows(rows, as_json, title=title, columns=columns)


def emit_row(fetch: Callable[[Session], Any], read: type[BaseModel], as_json: bool, *,
             write: bool) -> None:
    """Run ``fetch`` (given a session; a write if ``write``) in one transaction and show the
    row it returns through its ``read`` shape (``--json``, or a field/value table)."""
    with transaction(write=write) as db:
        item = read.model_validate(fetch(db))
    emit_item(item, as_json)


def emit_json_or_table(data: Any, as_json: bool, *, title: str, columns: Sequence[str],
                       rows: Sequence[Sequence[Any]]) -> None:
    """``data`` as JSON for scripts (``--json``), else a table of ``rows`` (what people read
    of it) titled ``title``."""
    if as_json:
        emit_json(data)
    else:
        emit_table(title, columns, rows)


def emit_result(data: Any, as_json: bool, text: Any) -> None:
    """A command's result: JSON for scripts (``--json``), else ``text`` for people."""
    if as_json:
        emit_json(data)
    else:
        console.print(text)


def sub_app(parent: typer.Typer, name: str, help_text: str) -> typer.Typer:
    """A command group ``socle <plane> <name> ...`` mounted on ``parent``."""
    group = typer.Typer(help=help_text, no_args_is_help=True)
    parent.add_typer(group, name=name)
    return group


def emit_item(item: BaseModel, as_json: bool) -> None:
    """Print one object: JSON for scripts, or a field/value table titled by its kind."""
    if as_json:
        emit_json(item)
        return
    title = type(item).__name__.removesuffix("Read")
    emit_table(title, ["field", "value"], list(item.model_dump(mode="json").items()))
