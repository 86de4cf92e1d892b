"""A request's parameters checked against its offer's ranges, and its monthly cost.

Pure functions of the offer's parameter specification (``{"min", "max", "default",
"unit", "unit_price_cents"}`` per name) so the API, the CLI and the tests agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from controlplane.errors import FieldError, InvalidInput
from hosting import errors


def resolve_parameters(spec: Mapping[str, Any], given: Mapping[str, int]) -> dict[str, int]:
    """Every parameter's value (defaults filled in); 422 naming each bad ``parameters.X``."""
    problems = [
        FieldError(f"parameters.{name}", "not a parameter of this offer")
        for name in given
        if name not in spec
    ]
    values = {}
    for name, rule in spec.items():
        value = given.get(name, rule.get("default"))
        if value is None:
            problems.append(FieldError(f"parameters.{name}", "required"))
        elif not rule["min"] <= value <= rule["max"]:
            unit = f" {rule['unit']}" if rule.get("unit") else ""
            problems.append(
                FieldError(
                    f"parameters.{name}", f"must be between {rule['min']} and {rule['max']}{unit}"
                )
            )
        else:
            values[name] = value
    if problems:
        raise InvalidInput(
            detail="; ".join(f"{p.field}: {p.message}" for p in problems),
            code=errors.BAD_PARAMETER,
            errors=problems,
        )
    return values


def monthly_cost(base_cents: int, spec: Mapping[str, Any], values: Mapping[str, int]) -> int:
    """The offer's base price plus each parameter's value times its unit price, in cents."""
    return base_cents + sum(values[name] * spec[name].get("unit_price_cents", 0) for name in values)
