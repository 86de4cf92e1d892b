"""Socle control plane: what the planes share (DB, API, CLI, auth, tenants, audit, jobs,
schedules, evidence, exports, the reconcile framework)."""
