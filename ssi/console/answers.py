"""The answering form's fields (``q_<question id>``) read into checklist answers, and
the domain's refusals turned into French messages per question."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from controlplane.errors import SocleError

PREFIX = "q_"
NOT_APPLICABLE = "na"


def read_answers(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers the form carries (an integer of the scale, or ``"na"``) and the
    fields that are neither (question id → message)."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, raw in form.items():
        if not name.startswith(PREFIX) or not raw.strip():
            continue
        question, text = name.removeprefix(PREFIX), raw.strip()
        if text == NOT_APPLICABLE:
            answers[question] = NOT_APPLICABLE
        else:
            try:
                answers[question] = int(text)
            except ValueError:
                errors[question] = "Choisissez une réponse de l’échelle."
    return answers, errors


def refusals(exc: SocleError) -> tuple[dict[str, str], list[str]]:
    """French messages per question for a refused save or submit, and general ones."""
    per_question = {}
    for item in exc.errors:
        unanswered = "unanswered" in item.message
        per_question[item.field.removeprefix("answers.")] = (
            "Cette question attend une réponse (ou « ne s’applique pas »)." if unanswered
            else "Cette réponse ne fait pas partie de l’échelle."
        )
    general = [] if per_question else [exc.detail]
    if per_question:
        general.append(f"{len(per_question)} question(s) à revoir avant de continuer.")
    return per_question, general
