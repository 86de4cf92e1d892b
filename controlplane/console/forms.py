"""Form errors in French, from the same pydantic schemas and domain errors as the API."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from controlplane.errors import SocleError

_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "string_too_short": "Ce champ est obligatoire.",
    "enum": "Choisissez une valeur dans la liste.",
    "datetime_parsing": "Date invalide.",
    "datetime_from_date_parsing": "Date invalide.",
}

# French messages for domain errors, by their stable code: (field, message).
_DOMAIN_MESSAGES = {
    "CP-0102": ("finess", "Ce numéro FINESS est déjà enregistré."),
}


@dataclass
class FormErrors:
    """Messages per field name, and those about the form as a whole."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)

    @classmethod
    def from_validation(cls, exc: ValidationError) -> FormErrors:
        """One message per invalid field; the domain's own message when it gives one."""
        errors = cls()
        for error in exc.errors():
            message = _MESSAGES.get(error["type"]) or "Valeur invalide ({}).".format(
                str(error["msg"]).removeprefix("Value error, ")
            )
            if error["loc"]:
                errors.fields.setdefault(str(error["loc"][0]), message)
            else:
                errors.general.append(message)
        return errors

    @classmethod
    def from_domain(cls, exc: SocleError) -> FormErrors:
        """The fields a domain error names, or its detail for the whole form."""
        errors = cls()
        if exc.code in _DOMAIN_MESSAGES:
            name, message = _DOMAIN_MESSAGES[exc.code]
            errors.fields[name] = message
            return errors
        for item in exc.errors:
            errors.fields.setdefault(item.field, item.message)
        if not exc.errors:
            errors.general.append(exc.detail)
        return errors
