"""Every error answers ``application/problem+json`` (RFC 9457) naming the failing fields."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from controlplane.db import ScopeViolation
from controlplane.errors import SocleError

PROBLEM = "application/problem+json"


class FieldProblem(BaseModel):
    """What is wrong with one field."""

    field: str = Field(description="Dotted path of the field, e.g. `finess`.")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document, as every error of this API is."""

    type: str
    title: str
    status: int
    detail: str
    code: str | None = Field(default=None, description="Stable Socle error code, e.g. CP-0102.")
    errors: list[FieldProblem] = Field(default_factory=list)


def _described(description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _described("No valid token."),
    403: _described("The token's role may not do this."),
    404: _described("Not found (or another tenant's)."),
    409: _described("Conflicts with existing data."),
    422: _described("Invalid input; `errors` names each field."),
}


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    code: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": f"https://socle.invalid/problems/{code}" if code else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    if code:
        body["code"] = code
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"field": _field_name(e["loc"]), "message": _message(e)} for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "Invalid input", detail, code="CP-0001", errors=errors)


async def _socle(request: Request, exc: SocleError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return problem(
        exc.status,
        exc.title,
        exc.detail,
        code=exc.code,
        errors=[{"field": e.field, "message": e.message} for e in exc.errors],
        headers=headers,
    )


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI's "error parsing the body": a JSON body that is not UTF-8 is invalid
        # input like any other JSON error (422 on `body`), not a bare 400.
        message = "not UTF-8 text: a JSON body is encoded in UTF-8"
        return problem(422, "Invalid input", f"body: {message}", code="CP-0001",
                       errors=[{"field": "body", "message": message}])
    return problem(
        exc.status_code, getattr(exc, "title", str(exc.detail)), str(exc.detail),
        code=getattr(exc, "code", None), headers=getattr(exc, "headers", None),
    )


async def _scope(request: Request, exc: ScopeViolation) -> JSONResponse:
    return problem(404, "Not found", "no such resource", code="CP-0004")


def install(app: FastAPI) -> None:
    """Register the problem+json handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(SocleError, _socle)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(ScopeViolation, _scope)  # type: ignore[arg-type]
