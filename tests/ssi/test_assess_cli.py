"""``socle ssi campaign|assessment|risk|pssi``: the same services from the command line."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from controlplane.cli.main import app as cli
from controlplane.db import Database, utcnow
from tests.conftest import TenantFactory
from tests.ssi.fixtures_assess import mini_flash  # noqa: F401  (fixture)

runner = CliRunner()


def socle(*args: str, code: int = 0) -> Any:
    """Run ``socle ssi ARGS``; the parsed JSON output when ``--json`` is given."""
    result = runner.invoke(cli, ["ssi", *args])
    assert result.exit_code == code, (args, result.output)
    return json.loads(result.stdout) if "--json" in args and code == 0 else result


def test_assessment_side_from_the_cli(
    mini_flash: Path, database: Database, make_tenant: TenantFactory, tmp_path: Path  # noqa: F811
) -> None:
    tenant = make_tenant(name="EHPAD Les Tilleuls")
    deadline = (utcnow().date() + timedelta(days=3)).isoformat()
    campaign = socle("campaign", "open", "--name", "Flash CLI", "--deadline", deadline,
                     "--tenant", tenant.finess, "--framework", "mini-flash", "--json")
    assert campaign["framework_version"] == "1.0"
    assert [c["name"] for c in socle("campaign", "list", "--json")] == ["Flash CLI"]
    (assessment,) = socle("assessment", "list", "--campaign", str(campaign["id"]), "--json")
    ident = str(assessment["id"])
    socle("assessment", "answer", ident, "A1=2", "Z9=1", code=2)  # unknown question
    socle("assessment", "answer", ident, "A1=2", "A2=1", "B1=2", "B2=0", "B3=na")
    submitted = socle("assessment", "submit", ident, "--json")
    assert round(submitted["overall"], 4) == round(162.5 / 3, 4)
    assert socle("campaign", "results", str(campaign["id"]), "--json")["submitted"] == 1
    assert socle("campaign", "remind", "--json") == {"late": [], "reminded": []}

    sections = tmp_path / "study.yaml"
    sections.write_text(
        "business_values: [{id: VM1, name: Soins}]\n"
        "feared_events: [{id: ER1, business_value: VM1, impact: Arrêt, severity: 3}]\n"
        "risk_sources: [{id: SR1, source: Rançongiciel, objective: Gain, motivation: 3,"
        " resources: 3, activity: 3}]\n"
        "strategic_scenarios: [{id: SS1, risk_source: SR1, feared_events: [ER1],"
        " likelihood: 3}]\n", encoding="utf-8")
    study = socle("risk", "create", "--tenant", tenant.finess, "--title", "EBIOS",
                  "--file", str(sections), "--json")
    assert study["analysis"]["risks"][0]["level"] == "élevé"  # G3 × V3
    plan = tmp_path / "plan.yaml"
    plan.write_text("measures: [{id: M1, title: Sauvegarde hors ligne, owner: Direction,"
                    " deadline: 2099-01-31, scenarios: [SS9]}]\n", encoding="utf-8")
    socle("risk", "update", str(study["id"]), "--file", str(plan), code=2)  # SS9 unknown
    plan.write_text(plan.read_text().replace("SS9", "SS1"))
    updated = socle("risk", "update", str(study["id"]), "--file", str(plan), "--json")
    assert updated["analysis"]["risks"][0]["residual_likelihood"] == 2
    assert [s["title"] for s in socle("risk", "list", "--json")] == ["EBIOS"]

    draft = tmp_path / "pssi.html"
    socle("pssi", tenant.finess, "--output", str(draft))
    html = draft.read_text(encoding="utf-8")
    assert "EHPAD Les Tilleuls" in html and "Sauvegarde hors ligne" in html
