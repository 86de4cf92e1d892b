"""``socle ssi risk ...``: EBIOS RM studies from the command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
import yaml

from controlplane.cli.common import (
    JsonOption,
    emit_json_or_table,
    emit_rows,
    handle_errors,
    local_actor,
    transaction,
)
from controlplane.db import utcnow
from controlplane.errors import InvalidInput
from ssi.errors import store
from ssi.risks import service as risks
from ssi.risks.models import RiskStudy
from ssi.risks.schemas import StudyContent, StudyCreate, StudyRead, StudySummary, StudyUpdate

risk_app = typer.Typer(help="EBIOS RM risk studies per establishment.", no_args_is_help=True)


def _document(path: Path | None) -> dict[str, Any]:
    """A YAML or JSON file of study sections (empty when no file is given)."""
    if path is None:
        return {}
    found = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(found, dict):
        raise InvalidInput.on("file", f"{path} must hold a mapping of study sections")
    return found


def _show(study: StudyRead, as_json: bool) -> None:
    emit_json_or_table(study, as_json, title=f"{study.title} — {study.tenant_name} ({study.state})",
                       columns=["risk", "G", "V", "level", "treatment", "residual"],
                       rows=[[r.scenario, r.severity, r.likelihood, r.level, r.option or "",
                              r.residual_level] for r in study.analysis.risks])


@risk_app.command("create")
@handle_errors
def create_study(
    tenant: str = typer.Option(..., help="FINESS."),
    title: str = typer.Option(..., help="Study title (unique per establishment)."),
    scope: str | None = typer.Option(None, help="What the study covers."),
    file: Path | None = typer.Option(None, help="YAML/JSON file of workshop sections."),
    as_json: bool = JsonOption,
) -> None:
    """Start a study (its workshops may come from a file)."""
    body = StudyCreate(tenant=tenant, title=title, scope=scope,
                       content=StudyContent.model_validate(_document(file)))
    with transaction() as db:
        shown = risks.read(risks.create_study(db, body, actor=local_actor()),
                           today=utcnow().date())
    _show(shown, as_json)


@risk_app.command("update")
@handle_errors
def update_study(
    study_id: int,
    file: Path = typer.Option(..., help="YAML/JSON file: the sections to replace."),
    as_json: bool = JsonOption,
) -> None:
    """Replace the sections the file holds; the whole study is revalidated."""
    body = StudyUpdate.model_validate(_document(file))
    with transaction() as db:
        study = risks.update_study(db, store.get(db, RiskStudy, study_id), body,
                                   actor=local_actor())
        shown = risks.read(study, today=utcnow().date())
    _show(shown, as_json)


@risk_app.command("list")
@handle_errors
def list_studies(
    tenant: str | None = typer.Option(None, help="FINESS."), as_json: bool = JsonOption
) -> None:
    """Studies, newest first."""
    with transaction(write=False) as db:
        found = [StudySummary.model_validate(s) for s in db.scalars(risks.study_query(
            tenant=tenant))]
    emit_rows(found, as_json, title="Risk studies",
              columns=["id", "tenant", "title", "state", "updated"],
              row=lambda s: [s.id, s.tenant, s.title, s.state, s.updated_at])


@risk_app.command("show")
@handle_errors
def show_study(study_id: int, as_json: bool = JsonOption) -> None:
    """A study and its analysis."""
    with transaction(write=False) as db:
        shown = risks.read(store.get(db, RiskStudy, study_id), today=utcnow().date())
    _show(shown, as_json)
