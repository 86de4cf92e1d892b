"""A service's configuration: catalogue defaults, the deployment's overrides (checked
against the service's JSON Schema) and the enrolled establishments' settings."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from apps import errors
from apps.catalogue.service import Service, config_errors
from apps.enrolments.models import Enrolment


def checked(service: Service, overrides: Mapping[str, Any], *, field: str) -> dict[str, Any]:
    """Defaults with ``overrides``, or a 422 naming the first field that fails the schema."""
    config = {**service.config_defaults, **overrides}
    problems = config_errors(service.config_schema, config)
    if problems:
        path, message = problems[0]
        raise errors.invalid(".".join(filter(None, [field, path])), message, errors.CONFIG)
    return config


def with_tenants(db: Session, service: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` plus ``tenants``: each enrolled establishment's settings by FINESS."""
    rows = db.scalars(select(Enrolment).where(Enrolment.service == service)).all()
    return {**config, "tenants": {row.tenant.finess: row.settings for row in rows}}


def digest(config: Mapping[str, Any]) -> str:
    """The SHA-256 of ``config`` as canonical JSON (what drift detection compares)."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
