"""``socle demo`` seeds the SSI assessment side: a campaign with answered assessments
(scored) and one EBIOS RM study; a second run changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from controlplane import demo
from controlplane.db import Database, Scope
from controlplane.settings import Settings
from ssi import demo as ssi_demo
from ssi.campaigns.models import Assessment, Campaign
from ssi.risks.models import RiskStudy
from ssi.risks.service import read


def test_demo_seed(database: Database, settings: Settings) -> None:
    with database.transaction(scope=Scope.unrestricted()) as db:
        demo.seed(db, actor="tests", data_dir=settings.data_dir)
        said = ssi_demo.seed(db, actor="tests", settings=settings)
        assert "3 submitted" in said[0]
    with database.transaction(scope=Scope.unrestricted()) as db:
        assert "already" in ssi_demo.seed(db, actor="tests", settings=settings)[0]
        campaign = db.scalar(select(Campaign))
        assessments = list(db.scalars(select(Assessment).order_by(Assessment.id)))
        assert db.scalar(select(func.count()).select_from(Campaign)) == 1
        assert len(campaign.results) == 3 and len(assessments) == 5
        scores = [a.overall for a in assessments if a.state == "submitted"]
        assert len(scores) == 3 and all(0 < score < 100 for score in scores)
        assert [a.state for a in assessments[3:]] == ["open", "open"]
        assert all(a.answers for a in assessments)
        study = read(db.scalar(select(RiskStudy)), today=campaign.deadline)
        assert {r.scenario: r.level for r in study.analysis.risks} == {"SS1": "élevé",
                                                                        "SS2": "moyen"}
