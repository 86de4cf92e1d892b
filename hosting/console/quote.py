"""The request form's quote: the typed parameters checked against the offer and priced
by :mod:`hosting.catalogue.pricing` (the same functions the API uses), with French messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from controlplane.errors import InvalidInput
from hosting.catalogue import pricing

PREFIX = "p_"  # form field of parameter X: p_X


@dataclass
class Quote:
    """What the form shows: each field's text, the errors per field, the cost if valid."""

    texts: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, int] = field(default_factory=dict)
    monthly_cost_cents: int | None = None


def _french(message: str, spec: Mapping[str, Any]) -> str:
    if message == "required":
        return "Ce champ est obligatoire."
    unit = f"\u00a0{spec['unit']}" if spec.get("unit") else ""
    return f"Choisissez une valeur entre {spec['min']} et {spec['max']}{unit}."


def quote(spec: Mapping[str, Any], base_cents: int, form: Mapping[str, str]) -> Quote:
    """Parse ``form`` (``p_<name>`` fields; the offer's defaults where absent) and price it."""
    texts = {name: str(form.get(PREFIX + name, rule.get("default") or "")).strip()
             for name, rule in spec.items()}
    result = Quote(texts=texts)
    given: dict[str, int] = {}
    for name, text in texts.items():
        if not text:
            result.errors[name] = "Ce champ est obligatoire."
            continue
        try:
            given[name] = int(text)
        except ValueError:
            result.errors[name] = "Saisissez un nombre entier."
    try:
        values = pricing.resolve_parameters(spec, given)
    except InvalidInput as exc:
        for item in exc.errors:
            name = item.field.removeprefix("parameters.")
            result.errors.setdefault(name, _french(item.message, spec.get(name, {})))
        return result
    if result.errors:
        return result
    result.values = values
    result.monthly_cost_cents = pricing.monthly_cost(base_cents, spec, values)
    return result
