"""``socle ssi campaign ...`` and ``socle ssi assessment ...``: the diagnostic flash."""

from __future__ import annotations

from datetime import date

import typer

from controlplane.cli.common import (
    JsonOption,
    emit_item,
    emit_json_or_table,
    emit_rows,
    handle_errors,
    local_actor,
    transaction,
)
from controlplane.db import utcnow
from ssi.campaigns import service as campaigns
from ssi.campaigns.models import Assessment, Campaign
from ssi.campaigns.schemas import (
    AnswersUpdate,
    AssessmentRead,
    AssessmentState,
    CampaignCreate,
    CampaignRead,
    CampaignState,
)
from ssi.errors import store

campaign_app = typer.Typer(help="Diagnostic flash campaigns (RSSI).", no_args_is_help=True)
assessment_app = typer.Typer(help="Establishments' diagnostic flash answers.",
                             no_args_is_help=True)


@campaign_app.command("open")
@handle_errors
def open_campaign(
    name: str = typer.Option(..., help="Campaign name (unique)."),
    deadline: str = typer.Option(..., help="Answers due by (YYYY-MM-DD)."),
    tenant: list[str] = typer.Option(..., "--tenant", help="FINESS (repeat for each)."),
    framework: str = typer.Option("hygiene-checklist", help="Checklist framework id."),
    version: str | None = typer.Option(None, help="Checklist version (default: latest)."),
    as_json: bool = JsonOption,
) -> None:
    """Open a campaign for a set of establishments."""
    body = CampaignCreate(name=name, deadline=date.fromisoformat(deadline), tenants=tenant,
                          framework_id=framework, version=version)
    with transaction() as db:
        shown = CampaignRead.model_validate(campaigns.open_campaign(db, body, actor=local_actor()))
    emit_item(shown, as_json)


@campaign_app.command("list")
@handle_errors
def list_campaigns(
    state: CampaignState | None = typer.Option(None, help="open or closed."),
    as_json: bool = JsonOption,
) -> None:
    """Campaigns, newest first."""
    with transaction(write=False) as db:
        found = [CampaignRead.model_validate(c)
                 for c in db.scalars(campaigns.campaign_query(db, state=state))]
    emit_rows(found, as_json, title="Campaigns",
              columns=["id", "name", "framework", "deadline", "state", "submitted"],
              row=lambda c: [c.id, c.name, f"{c.framework_id} {c.framework_version}", c.deadline,
                             c.state, c.submitted])


@campaign_app.command("results")
@handle_errors
def campaign_results(campaign_id: int, as_json: bool = JsonOption) -> None:
    """The regional picture of a campaign (quartiles, maturity levels)."""
    with transaction(write=False) as db:
        found = campaigns.results(db, campaigns.get_campaign(db, campaign_id))
    stats = {"overall": found.overall, **found.chapters}
    emit_json_or_table(found, as_json, title=f"Campaign {campaign_id}: {found.submitted} submitted",
                       columns=["scope", "min", "q1", "median", "q3", "max"],
                       rows=[[scope, *(f"{v:.1f}" for v in (s.min, s.q1, s.median, s.q3, s.max))]
                             for scope, s in stats.items() if s is not None])


@campaign_app.command("close")
@handle_errors
def close_campaign(campaign_id: int, as_json: bool = JsonOption) -> None:
    """Stop accepting answers."""
    with transaction() as db:
        campaign = store.get(db, Campaign, campaign_id)
        shown = CampaignRead.model_validate(
            campaigns.close_campaign(db, campaign, actor=local_actor()))
    emit_item(shown, as_json)


@campaign_app.command("remind")
@handle_errors
def remind(
    campaign_id: int | None = typer.Argument(None, help="One campaign (default: all open)."),
    as_json: bool = JsonOption,
) -> None:
    """Mark late assessments reminded (once a day each) and list them."""
    with transaction() as db:
        found = campaigns.remind_late(db, today=utcnow().date(), actor=local_actor(),
                                      campaign_id=campaign_id)
    emit_json_or_table(found, as_json, title="Late assessments", columns=["finess", "reminded now"],
                       rows=[[f, "yes" if f in found.reminded else ""] for f in found.late])


@assessment_app.command("list")
@handle_errors
def list_assessments(
    campaign: int | None = typer.Option(None, help="Campaign id."),
    tenant: str | None = typer.Option(None, help="FINESS."),
    state: AssessmentState | None = typer.Option(None, help="open or submitted."),
    as_json: bool = JsonOption,
) -> None:
    """Assessments, newest first."""
    stmt = campaigns.assessment_query(campaign_id=campaign, tenant=tenant, state=state)
    with transaction(write=False) as db:
        found = [AssessmentRead.model_validate(a) for a in db.scalars(stmt)]
    emit_rows(found, as_json, title="Assessments",
              columns=["id", "campaign", "tenant", "state", "late", "answers", "overall",
                       "maturity"],
              row=lambda a: [a.id, a.campaign, a.tenant, a.state, "late" if a.late else "",
                             len(a.answers), f"{a.overall:.1f}" if a.overall is not None else "",
                             a.maturity_level])


@assessment_app.command("show")
@handle_errors
def show_assessment(assessment_id: int, as_json: bool = JsonOption) -> None:
    """An assessment with its score, comparison and history."""
    with transaction(write=False) as db:
        found = campaigns.detail(db, store.get(db, Assessment, assessment_id))
    emit_json_or_table(found, as_json,
                       title=f"Assessment {found.id} — {found.tenant_name} ({found.state})",
                       columns=["chapter", "title", "score", "answered"],
                       rows=[[c.id, c.title, f"{c.score:.1f}" if c.score is not None else "n/a",
                              f"{c.answered}/{c.questions}"] for c in found.chapters])


@assessment_app.command("answer")
@handle_errors
def answer(
    assessment_id: int,
    values: list[str] = typer.Argument(..., help="QUESTION=VALUE (a scale value or na)."),
    as_json: bool = JsonOption,
) -> None:
    """Record answers (all valid, or none kept)."""
    answers: dict[str, object] = {}
    for item in values:
        question, _, value = item.partition("=")
        answers[question] = int(value) if value.lstrip("-").isdigit() else value
    with transaction() as db:
        assessment = store.get(db, Assessment, assessment_id)
        found = campaigns.answer(db, assessment, AnswersUpdate(answers=answers),
                                 actor=local_actor())
        shown = AssessmentRead.model_validate(found)
    emit_item(shown, as_json)


@assessment_app.command("submit")
@handle_errors
def submit(assessment_id: int, as_json: bool = JsonOption) -> None:
    """Score the answers and make them final."""
    with transaction() as db:
        assessment = store.get(db, Assessment, assessment_id)
        shown = AssessmentRead.model_validate(
            campaigns.submit(db, assessment, actor=local_actor()))
    emit_item(shown, as_json)
