"""Socle control plane: what every plane shares (DB, API, CLI, auth, audit, jobs, reconcile)."""
