"""Authorization-matrix examples for the SSI assessment side: frameworks, diagnostic
flash campaigns and assessments, EBIOS RM risk studies, PSSI drafts."""

from __future__ import annotations

from datetime import timedelta

from controlplane.db import Scope, utcnow
from controlplane.models import Tenant
from ssi.campaigns import service as campaigns
from ssi.campaigns.models import Assessment
from ssi.campaigns.schemas import CampaignCreate
from ssi.library.service import library
from ssi.risks.schemas import StudyCreate
from ssi.risks.service import create_study
from tests.support.authz import Case, World

SSI = "/api/v1/ssi"


def campaign(w: World, t: Tenant) -> int:
    """A fresh open campaign on the shipped diagnostic flash, for ``t`` only."""
    body = CampaignCreate(name=f"authz {w.new_finess()}", deadline=utcnow().date()
                          + timedelta(days=7), tenants=[t.finess])
    with w.database.transaction(scope=Scope.unrestricted()) as db:
        return campaigns.open_campaign(db, body, actor="tests").id


def assessment(w: World, t: Tenant, *, complete: bool = False) -> int:
    """``t``'s open assessment in a fresh campaign (every question answered if asked)."""
    campaign_id = campaign(w, t)
    with w.database.transaction(scope=Scope.unrestricted()) as db:
        found = db.query(Assessment).filter_by(campaign_id=campaign_id).one()
        if complete:
            flash = library().checklist("hygiene-checklist")
            found.answers = {question.id: 2 for question in flash.all_items()}
        return found.id


def study(w: World, t: Tenant) -> int:
    """A fresh (empty) risk study of ``t``."""
    with w.database.transaction(scope=Scope.unrestricted()) as db:
        return create_study(db, StudyCreate(tenant=t.finess, title=f"s {w.new_finess()}"),
                            actor="tests").id


CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{SSI}/frameworks"): Case(lambda w, t: (f"{SSI}/frameworks", None)),
    ("GET", f"{SSI}/frameworks/{{framework_id}}"): Case(
        lambda w, t: (f"{SSI}/frameworks/hygiene-checklist", None)),
    ("GET", f"{SSI}/frameworks/{{framework_id}}/{{version}}"): Case(
        lambda w, t: (f"{SSI}/frameworks/hn-prerequis/2012", None)),
    ("POST", f"{SSI}/campaigns"): Case(
        lambda w, t: (f"{SSI}/campaigns", {
            "name": f"c {w.new_finess()}", "tenants": [t.finess],
            "deadline": (utcnow().date() + timedelta(days=7)).isoformat()}), success=201),
    ("GET", f"{SSI}/campaigns"): Case(lambda w, t: (f"{SSI}/campaigns", None)),
    # an establishment reads only the campaigns it takes part in (others: 404)
    ("GET", f"{SSI}/campaigns/{{campaign_id}}"): Case(
        lambda w, t: (f"{SSI}/campaigns/{campaign(w, t)}", None), tenant_bound=True),
    ("GET", f"{SSI}/campaigns/{{campaign_id}}/results"): Case(
        lambda w, t: (f"{SSI}/campaigns/{campaign(w, t)}/results", None), tenant_bound=True),
    ("POST", f"{SSI}/campaigns/{{campaign_id}}/close"): Case(
        lambda w, t: (f"{SSI}/campaigns/{campaign(w, t)}/close", None)),
    ("POST", f"{SSI}/campaigns/{{campaign_id}}/reminders"): Case(
        lambda w, t: (f"{SSI}/campaigns/{campaign(w, t)}/reminders", None), success=202),
    ("GET", f"{SSI}/assessments"): Case(lambda w, t: (f"{SSI}/assessments", None)),
    ("GET", f"{SSI}/assessments/{{assessment_id}}"): Case(
        lambda w, t: (f"{SSI}/assessments/{assessment(w, t)}", None), tenant_bound=True),
    ("PATCH", f"{SSI}/assessments/{{assessment_id}}"): Case(
        lambda w, t: (f"{SSI}/assessments/{assessment(w, t)}", {"answers": {"H1.1": 2}}),
        tenant_bound=True),
    ("POST", f"{SSI}/assessments/{{assessment_id}}/submit"): Case(
        lambda w, t: (f"{SSI}/assessments/{assessment(w, t, complete=True)}/submit", None),
        tenant_bound=True),
    ("POST", f"{SSI}/risk-studies"): Case(
        lambda w, t: (f"{SSI}/risk-studies", {"tenant": t.finess, "title": w.new_finess()}),
        success=201),
    ("GET", f"{SSI}/risk-studies"): Case(lambda w, t: (f"{SSI}/risk-studies", None)),
    ("GET", f"{SSI}/risk-studies/{{study_id}}"): Case(
        lambda w, t: (f"{SSI}/risk-studies/{study(w, t)}", None), tenant_bound=True),
    ("PATCH", f"{SSI}/risk-studies/{{study_id}}"): Case(
        lambda w, t: (f"{SSI}/risk-studies/{study(w, t)}", {"scope": "SI"}), tenant_bound=True),
    ("GET", f"{SSI}/tenants/{{finess}}/pssi"): Case(
        lambda w, t: (f"{SSI}/tenants/{t.finess}/pssi", None), tenant_bound=True),
}
