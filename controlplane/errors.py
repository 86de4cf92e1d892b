"""Domain errors with stable codes; the API turns them into problem+json, the CLI into messages.

Codes are stable (``CP-0001``...): scripts and runbooks may match on them. Each plane
keeps its own codes in its ``errors.py`` and raises these classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one input field."""

    field: str
    message: str


@dataclass
class SocleError(Exception):
    """Base of every error Socle reports to a user."""

    detail: str
    code: str = "CP-0000"
    errors: list[FieldError] = field(default_factory=list)
    status: int = 400
    title: str = "Bad request"

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


@dataclass
class InvalidInput(SocleError):
    """Input that fails validation (422); ``errors`` names each bad field."""

    status: int = 422
    title: str = "Invalid input"

    @classmethod
    def on(cls, field_name: str, message: str, *, code: str = "CP-0001") -> InvalidInput:
        """An error about a single field."""
        return cls(
            detail=f"{field_name}: {message}", code=code, errors=[FieldError(field_name, message)]
        )


@dataclass
class NotFound(SocleError):
    """The resource does not exist, or belongs to another tenant (never say which)."""

    status: int = 404
    title: str = "Not found"


@dataclass
class Conflict(SocleError):
    """The change clashes with what exists (duplicate FINESS, overlapping prefix...)."""

    status: int = 409
    title: str = "Conflict"


@dataclass
class Forbidden(SocleError):
    """Authenticated, but the role may not do this."""

    status: int = 403
    title: str = "Forbidden"


@dataclass
class Unauthenticated(SocleError):
    """No valid credentials."""

    status: int = 401
    title: str = "Unauthenticated"
