"""French words for the hosting plane's codes (offer kinds, request states)."""

from __future__ import annotations

OFFER_KINDS = {
    "dry-hosting": "Hébergement sec", "vm": "Machine virtuelle", "storage": "Stockage",
    "backup": "Sauvegarde", "archive": "Archivage", "dr": "Plan de reprise (PRA)",
}
REQUEST_STATES = {
    "requested": "À valider", "approved": "Approuvée", "rejected": "Refusée",
    "provisioning": "En cours de mise en service", "active": "En service", "failed": "Échouée",
}
# The badge style of each request state (classes of the console's stylesheet).
REQUEST_BADGES = {
    "requested": "running", "approved": "running", "provisioning": "running",
    "rejected": "cancelled", "active": "succeeded", "failed": "failed",
}
FREQUENCIES = {"hourly": "toutes les heures", "daily": "chaque jour", "weekly": "chaque semaine"}


def euros(cents: int | None) -> str:
    """``123456`` → ``1 234,56 €`` (a narrow no-break space between thousands)."""
    if cents is None:
        return "—"
    whole, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{whole:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"
# Backup supervision words: RPO status, run and alert kinds, failure reasons.
BACKUP_WORDS = {
    "ok": "Dans le RPO", "late": "RPO dépassé", "succeeded": "Réussi", "failed": "Échoué",
    "restore-failed": "Restauration échouée", "check-failed": "Vérification d'intégrité échouée",
    "locked": "verrouillé", "unreachable": "injoignable",
    "full": "plein", "missing": "absent", "denied": "refusé", "corrupt": "corrompu",
}
