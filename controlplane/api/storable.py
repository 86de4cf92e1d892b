"""Input every database can store, checked once for every route.

PostgreSQL refuses a NUL character (U+0000) in text and in JSON, no database encodes an
unpaired surrogate (``\\ud800``, which JSON may spell) as UTF-8, and ``NaN`` or
``Infinity`` are not JSON numbers (PostgreSQL's JSON types refuse them). SQLite would store
some of these: the same request must not succeed on one backend and fail with a 500 on the
other. So a path or query parameter, a JSON body or a form field holding one is refused
here with a 422 naming the field, before any plane sees it.
"""

from __future__ import annotations

import json
import math
from email.message import Message
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError


def _text_problem(value: str) -> str | None:
    if "\x00" in value:
        return "contains a NUL character (\\u0000), which text may not hold"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate (e.g. \\ud800): not valid Unicode text"
    return None


def _walk(location: tuple[Any, ...], value: Any, errors: list[dict[str, Any]]) -> None:
    problem = None
    if isinstance(value, str):
        problem = _text_problem(value)
    elif isinstance(value, float) and not math.isfinite(value):
        problem = "must be a finite number (NaN and Infinity are not JSON numbers)"
    elif isinstance(value, dict):
        for key, item in value.items():
            if (key_problem := _text_problem(key)) is not None:
                errors.append(_error((*location, key), f"this key {key_problem}", key))
            else:
                _walk((*location, key), item, errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk((*location, index), item, errors)
    if problem is not None:
        errors.append(_error(location, problem, value))


def _error(location: tuple[Any, ...], message: str, value: Any) -> dict[str, Any]:
    return {"type": "value_error", "loc": location, "msg": message, "input": value}


def _media_type(request: Request) -> tuple[str, str]:
    header = Message()
    header["content-type"] = request.headers.get("content-type", "")
    return header.get_content_maintype(), header.get_content_subtype()


async def storable_input(request: Request) -> None:
    """422 when a path or query parameter, the JSON body or a form field holds what a
    database cannot store (see the module's docstring)."""
    errors: list[dict[str, Any]] = []
    for name, value in request.path_params.items():
        if isinstance(value, str):
            _walk(("path", name), value, errors)
    for name, value in request.query_params.multi_items():
        if (name_problem := _text_problem(name)) is not None:
            errors.append(_error(("query", name), f"this parameter's name {name_problem}", name))
        _walk(("query", name), value, errors)
    kind, subtype = _media_type(request)
    if kind == "application" and (subtype == "json" or subtype.endswith("+json")):
        # The same bytes FastAPI parses for the body (read once, then cached by Starlette).
        body = await request.body()
        try:
            document = json.loads(body) if body else None
        except ValueError:  # not JSON (or not UTF-8): the body's own validation says so
            document = None
        _walk(("body",), document, errors)
    elif (kind, subtype) == ("application", "x-www-form-urlencoded"):  # console forms
        for name, value in (await request.form()).multi_items():
            if isinstance(value, str):
                _walk(("body", name), value, errors)
    if errors:
        raise RequestValidationError(errors)
