"""Diagnostic flash campaigns: open, answer, submit, compare, remind.

The RSSI opens a campaign for a set of establishments on one checklist version (pinned:
answers are always validated and scored against it). Each establishment answers its
own assessment through its tenant-scoped session; a wrong answer (unknown question,
value off the scale) refuses the whole update. Submitting scores the answers
(:func:`ssi.library.score_checklist`) and adds the anonymous result to the campaign, from
which medians, quartiles and ranks are computed.

An establishment sees only the campaigns it takes part in (another one is a 404), and a
regional figure only when at least ``SOCLE_SSI_MIN_GROUP_SIZE`` establishments contribute
to it: over fewer, their exact scores could be read back, so the figure is withheld and
the answer says why. The regional roles (unrestricted sessions) see every figure.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controlplane import tenants
from controlplane.db import utcnow
from controlplane.db.scope import session_scope
from controlplane.errors import Conflict, FieldError, InvalidInput
from controlplane.rows import snapshot
from controlplane.settings import get_settings
from controlplane.tenants import of_tenant
from ssi.campaigns.models import Assessment, Campaign
from ssi.campaigns.schemas import (
    AnswersUpdate,
    AssessmentDetail,
    AssessmentRead,
    AssessmentState,
    CampaignCreate,
    CampaignRead,
    CampaignResults,
    CampaignState,
    ChapterResult,
    Comparison,
    HistoryEntry,
    Maturity,
    ReminderResult,
    Statistics,
    is_late,
)
from ssi.errors import (
    ALREADY_SUBMITTED,
    CAMPAIGN_CLOSED,
    DUPLICATE_NAME,
    INCOMPLETE,
    PAST_DEADLINE,
    UNKNOWN_TENANT,
    store,
)
from ssi.library import ChecklistFramework, score_checklist, validate_answers
from ssi.library.service import library


def checklist_of(campaign: Campaign) -> ChecklistFramework:
    """The checklist version the campaign pinned."""
    return library().checklist(campaign.framework_id, campaign.framework_version)


# --- campaigns -------------------------------------------------------------------------


def open_campaign(db: Session, body: CampaignCreate, *, actor: str) -> Campaign:
    """Open a campaign and one assessment per establishment (422 naming a bad tenant,
    framework or deadline; 409 when the name is taken)."""
    checklist = library().checklist(body.framework_id, body.version)
    if body.deadline < utcnow().date():
        raise InvalidInput.on("deadline", "the deadline is in the past", code=PAST_DEADLINE)
    known = {
        tenant.finess: tenant
        for tenant in tenants.find_all_by_finess(db, body.tenants)
    }
    missing = [
        FieldError(f"tenants[{index}]", f"no establishment with FINESS {finess}")
        for index, finess in enumerate(body.tenants)
        if finess not in known
    ]
    if missing:
        raise InvalidInput(detail=missing[0].message, code=UNKNOWN_TENANT, errors=missing)
    taken = Conflict(detail=f"a campaign named {body.name!r} exists", code=DUPLICATE_NAME)
    if db.scalar(select(Campaign.id).where(Campaign.name == body.name)) is not None:
        raise taken
    campaign = Campaign(
        name=body.name,
        framework_id=checklist.id,
        framework_version=checklist.version,
        deadline=body.deadline,
        description=body.description,
        state=CampaignState.OPEN.value,
        results={},
        created_by=actor,
    )
    db.add(campaign)
    try:
        db.flush()
    except IntegrityError:  # a concurrent campaign took the name
        raise taken from None
    for finess in body.tenants:
        db.add(Assessment(campaign=campaign, tenant=known[finess], answers={},
                          chapter_scores={}, state=AssessmentState.OPEN.value))
    db.flush()
    store.record(db, campaign, actor=actor, verb="open", read=CampaignRead)
    return campaign


def close_campaign(db: Session, campaign: Campaign, *, actor: str) -> Campaign:
    """Stop accepting answers (idempotent)."""
    if campaign.state == CampaignState.CLOSED.value:
        return campaign
    before = snapshot(campaign, CampaignRead)
    campaign.state = CampaignState.CLOSED.value
    campaign.closed_at = utcnow()
    db.flush()
    store.record(db, campaign, actor=actor, verb="close", read=CampaignRead, before=before)
    return campaign


def campaign_query(db: Session, *, state: CampaignState | None = None) -> Select[tuple[Campaign]]:
    """The campaigns ``db``'s session may read (an establishment: those it takes part in),
    newest first."""
    stmt = select(Campaign).order_by(Campaign.id.desc())
    tenant_id = session_scope(db).tenant_id
    if tenant_id is not None:
        stmt = stmt.where(Campaign.id.in_(
            select(Assessment.campaign_id).where(Assessment.tenant_id == tenant_id)))
    return stmt.where(Campaign.state == state.value) if state else stmt


def get_campaign(db: Session, campaign_id: int) -> Campaign:
    """The campaign with this id (404 when missing, or for an establishment that does not
    take part in it, as for another tenant's object)."""
    campaign = store.get(db, Campaign, campaign_id)
    tenant_id = session_scope(db).tenant_id
    if tenant_id is not None and not _takes_part(db, campaign.id, tenant_id):
        raise store.not_found(Campaign.__kind__, campaign_id)
    return campaign


def _takes_part(db: Session, campaign_id: int, tenant_id: int) -> bool:
    found = db.scalar(select(Assessment.id).where(Assessment.campaign_id == campaign_id,
                                                  Assessment.tenant_id == tenant_id))
    return found is not None


def results(db: Session, campaign: Campaign) -> CampaignResults:
    """The campaign's regional picture, from its submitted (anonymous) results; figures
    over too few establishments withheld from an establishment's session."""
    submitted = list(campaign.results.values())
    floor = disclosure_floor(db)
    overall, withheld = _overall(submitted, floor)
    chapters, hidden_chapters = _chapters(submitted, floor)
    maturity, hidden_maturity = _maturity(submitted, floor)
    return CampaignResults(
        campaign_id=campaign.id,
        submitted=len(submitted),
        overall=overall,
        chapters=chapters,
        maturity=maturity,
        withheld=withheld_reason([*withheld, *hidden_maturity, *hidden_chapters], floor),
    )


# --- what a session may see of the region ----------------------------------------------


def min_group_size() -> int:
    """Fewest establishments a regional figure needs to be shown to an establishment."""
    return get_settings().ssi_min_group_size


def disclosure_floor(db: Session) -> int:
    """Fewest establishments a regional figure must be computed over to be shown through
    ``db``: any number for the regional roles, :func:`min_group_size` for an establishment."""
    return min_group_size() if session_scope(db).is_restricted else 1


def withheld_reason(names: list[str], floor: int) -> str | None:
    """Why the figures ``names`` are left out of a view (None when none is)."""
    if not names:
        return None
    return (f"withheld: {', '.join(names)} (fewer than {floor} establishments contribute; "
            f"an establishment is shown a regional figure only from {floor}, "
            "SOCLE_SSI_MIN_GROUP_SIZE)")


def _overall(submitted: list[dict[str, Any]], floor: int) -> tuple[Statistics | None, list[str]]:
    overall = distribution(r["overall"] for r in submitted)
    if overall is not None and overall.count < floor:
        return None, ["overall"]
    return overall, []


def _chapters(submitted: list[dict[str, Any]], floor: int
              ) -> tuple[dict[str, Statistics], list[str]]:
    found = _chapter_statistics(submitted)
    shown = {cid: stats for cid, stats in found.items() if stats.count >= floor}
    return shown, [f"chapter {cid}" for cid in found if cid not in shown]


def _maturity(submitted: list[dict[str, Any]], floor: int) -> tuple[dict[str, int], list[str]]:
    counts = {
        str(level): count
        for level, count in sorted(Counter(r["maturity_level"] for r in submitted).items())
        if level is not None
    }
    if counts and sum(counts.values()) < floor:
        return {}, ["maturity"]
    return counts, []


def distribution(values: Iterable[float | None]) -> Statistics | None:
    """Min, quartiles (inclusive method) and max of the scores given; None when empty."""
    found = sorted(value for value in values if value is not None)
    if not found:
        return None
    if len(found) == 1:
        q1 = median = q3 = found[0]
    else:
        q1, median, q3 = statistics.quantiles(found, n=4, method="inclusive")
    return Statistics(count=len(found), min=found[0], q1=q1, median=median, q3=q3, max=found[-1])


def _chapter_statistics(submitted: list[dict[str, Any]]) -> dict[str, Statistics]:
    chapter_ids = dict.fromkeys(cid for r in submitted for cid in r["chapters"])
    found = {cid: distribution(r["chapters"].get(cid) for r in submitted) for cid in chapter_ids}
    return {cid: stats for cid, stats in found.items() if stats is not None}


# --- assessments -----------------------------------------------------------------------


def assessment_query(
    *,
    campaign_id: int | None = None,
    tenant: str | None = None,
    state: AssessmentState | None = None,
) -> Select[tuple[Assessment]]:
    """Assessments (the caller's session keeps an establishment to its own), newest first."""
    stmt = select(Assessment).order_by(Assessment.id.desc())
    if campaign_id is not None:
        stmt = stmt.where(Assessment.campaign_id == campaign_id)
    if tenant:
        stmt = stmt.where(of_tenant(Assessment.tenant_id, tenant))
    if state:
        stmt = stmt.where(Assessment.state == state.value)
    return stmt


def answer(db: Session, assessment: Assessment, body: AnswersUpdate, *, actor: str) -> Assessment:
    """Record answers (``None`` clears one): all of them valid against the pinned
    checklist, or none kept (422 naming each bad question)."""
    _check_open(assessment)
    given = {qid: value for qid, value in body.answers.items() if value is not None}
    valid = validate_answers(checklist_of(assessment.campaign), given)
    before = snapshot(assessment, AssessmentRead)
    cleared = {qid for qid, value in body.answers.items() if value is None}
    merged = {qid: v for qid, v in assessment.answers.items() if qid not in cleared}
    assessment.answers = {**merged, **valid}
    db.flush()
    store.record(db, assessment, actor=actor, verb="answer", read=AssessmentRead, before=before)
    return assessment


def submit(db: Session, assessment: Assessment, *, actor: str) -> Assessment:
    """Score the answers and make them final (422 listing unanswered questions)."""
    _check_open(assessment)
    campaign = assessment.campaign
    checklist = checklist_of(campaign)
    score = score_checklist(checklist, assessment.answers)
    if not score.complete:
        missing = [q.id for q in checklist.all_items() if q.id not in assessment.answers]
        raise InvalidInput(
            detail=f"{len(missing)} question(s) unanswered: {', '.join(missing)}",
            code=INCOMPLETE,
            errors=[FieldError(qid, "unanswered (answer it, or 'na' if allowed)")
                    for qid in missing],
        )
    before = snapshot(assessment, AssessmentRead)
    chapters = {chapter.chapter_id: chapter.score for chapter in score.chapters}
    assessment.state = AssessmentState.SUBMITTED.value
    assessment.overall = score.overall
    assessment.maturity_level = score.maturity.level if score.maturity else None
    assessment.chapter_scores = chapters
    assessment.submitted_at = utcnow()
    assessment.submitted_by = actor
    db.refresh(campaign, with_for_update=True)  # results: one submitter at a time
    campaign.results = {
        **campaign.results,
        str(assessment.id): {"overall": score.overall,
                             "maturity_level": assessment.maturity_level, "chapters": chapters},
    }
    db.flush()
    store.record(db, assessment, actor=actor, verb="submit", read=AssessmentRead, before=before)
    return assessment


def detail(db: Session, assessment: Assessment) -> AssessmentDetail:
    """The assessment with its live score, its comparison with the campaign and its history."""
    checklist = checklist_of(assessment.campaign)
    score = score_checklist(checklist, assessment.answers)
    titles = {chapter.id: chapter.title for chapter in checklist.chapters}
    return AssessmentDetail(
        **AssessmentRead.model_validate(assessment).model_dump(),
        answered=score.answered,
        questions=score.questions,
        score=score.overall,
        maturity=Maturity(level=score.maturity.level, label=score.maturity.label)
        if score.maturity else None,
        chapters=[
            ChapterResult(id=c.chapter_id, title=titles[c.chapter_id], weight=c.weight,
                          score=c.score, answered=c.answered, questions=c.questions)
            for c in score.chapters
        ],
        comparison=comparison(assessment, floor=disclosure_floor(db)),
        history=history(db, assessment),
    )


def comparison(assessment: Assessment, *, floor: int) -> Comparison | None:
    """Where a submitted assessment stands among its campaign's (None before submitting);
    figures over fewer than ``floor`` establishments (quartiles, rank) withheld."""
    if assessment.state != AssessmentState.SUBMITTED.value or assessment.overall is None:
        return None
    submitted = list(assessment.campaign.results.values())
    scored = [r["overall"] for r in submitted if r["overall"] is not None]
    if not scored:
        return None
    overall, withheld = _overall(submitted, floor)
    chapters, hidden_chapters = _chapters(submitted, floor)
    rank = None
    if overall is None:
        withheld.append("rank")
    else:
        rank = 1 + sum(1 for value in scored if value > assessment.overall)
    return Comparison(overall=overall, rank=rank, out_of=len(scored), chapters=chapters,
                      withheld=withheld_reason([*withheld, *hidden_chapters], floor))


def history(db: Session, assessment: Assessment) -> list[HistoryEntry]:
    """The establishment's other submitted assessments on the same checklist, newest first."""
    earlier = db.scalars(
        select(Assessment)
        .join(Campaign, Assessment.campaign_id == Campaign.id)
        .where(
            Assessment.tenant_id == assessment.tenant_id,
            Assessment.id != assessment.id,
            Assessment.state == AssessmentState.SUBMITTED.value,
            Campaign.framework_id == assessment.campaign.framework_id,
        )
        .order_by(Assessment.submitted_at.desc())
    )
    return [
        HistoryEntry(assessment_id=a.id, campaign=a.campaign.name,
                     framework_version=a.campaign.framework_version,
                     submitted_at=a.submitted_at, overall=a.overall,
                     maturity_level=a.maturity_level)
        for a in earlier
        if a.submitted_at is not None
    ]


def remind_late(
    db: Session, *, today: date, actor: str, campaign_id: int | None = None
) -> ReminderResult:
    """Mark every late assessment of open campaigns (or of one campaign) as reminded,
    at most once per day each, with an audit record per reminder."""
    stmt = (
        select(Assessment)
        .join(Campaign, Assessment.campaign_id == Campaign.id)
        .where(Campaign.state == CampaignState.OPEN.value,
               Assessment.state == AssessmentState.OPEN.value, Campaign.deadline < today)
        .order_by(Assessment.id)
    )
    if campaign_id is not None:
        stmt = stmt.where(Campaign.id == campaign_id)
    late = [a for a in db.scalars(stmt) if is_late(a, today)]
    reminded = []
    for assessment in late:
        if assessment.last_reminded_on == today:
            continue
        before = snapshot(assessment, AssessmentRead)
        assessment.reminders += 1
        assessment.last_reminded_on = today
        db.flush()
        store.record(db, assessment, actor=actor, verb="remind", read=AssessmentRead, before=before)
        reminded.append(assessment.tenant.finess)
    return ReminderResult(late=[a.tenant.finess for a in late], reminded=reminded)


def _check_open(assessment: Assessment) -> None:
    if assessment.state == AssessmentState.SUBMITTED.value:
        raise Conflict(detail=f"assessment {assessment.id} is submitted", code=ALREADY_SUBMITTED)
    if assessment.campaign.state != CampaignState.OPEN.value:
        raise Conflict(detail=f"campaign {assessment.campaign.name!r} is closed",
                       code=CAMPAIGN_CLOSED)

