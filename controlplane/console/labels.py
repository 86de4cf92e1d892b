"""French words for the codes users see (roles, states, kinds): code stays English."""

from __future__ import annotations

VOCABULARIES: dict[str, dict[str, str]] = {
    "role": {
        "gcs-operator": "Opérateur GCS",
        "network-engineer": "Ingénieur réseau",
        "rssi": "RSSI",
        "establishment": "Établissement",
        "auditor": "Auditeur",
    },
    "job_state": {
        "queued": "En attente",
        "running": "En cours",
        "succeeded": "Réussie",
        "failed": "Échouée",
        "cancelled": "Annulée",
    },
    "step_state": {
        "pending": "À venir",
        "running": "En cours",
        "succeeded": "Terminée",
        "failed": "Échouée",
    },
    "tenant_kind": {
        "ES": "Établissement de santé",
        "EMS": "Établissement médico-social",
        "ESMS": "Établissement ou service médico-social",
        "LBM": "Laboratoire de biologie médicale",
        "CDS": "Centre de santé",
        "MSP": "Maison de santé pluriprofessionnelle",
        "PS": "Professionnel de santé",
        "GCS": "Groupement de coopération sanitaire",
    },
    "log_level": {
        "debug": "débogage",
        "info": "info",
        "warning": "alerte",
        "error": "erreur",
    },
}


def french(value: object, vocabulary: str) -> str:
    """The French label of ``value`` in ``vocabulary``, or the value itself if it has none."""
    text = str(getattr(value, "value", value))
    return VOCABULARIES[vocabulary].get(text, text)


def choices(vocabulary: str, values: list[str]) -> list[tuple[str, str]]:
    """``(value, label)`` pairs for a select, in the order of ``values``."""
    return [(value, french(value, vocabulary)) for value in values]
