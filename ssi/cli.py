"""``socle ssi``: each feature's commands, mounted on the plane's Typer app."""

from __future__ import annotations

import typer

from ssi.campaigns import cli as campaigns_cli
from ssi.checks import cli as checks_cli
from ssi.library import cli as library_cli
from ssi.pssi import cli as pssi_cli
from ssi.risks import cli as risks_cli
from ssi.tracker import cli as tracker_cli

app = typer.Typer(
    help="SSI plane: frameworks, diagnostic flash campaigns, EBIOS RM studies, HN/CaRE.",
    no_args_is_help=True,
)
app.add_typer(library_cli.app, name="frameworks")
app.add_typer(tracker_cli.indicators_app, name="indicators")
app.add_typer(tracker_cli.regional_app, name="regional")
app.add_typer(checks_cli.app, name="check")
app.add_typer(campaigns_cli.campaign_app, name="campaign")
app.add_typer(campaigns_cli.assessment_app, name="assessment")
app.add_typer(risks_cli.risk_app, name="risk")
app.command("pssi")(pssi_cli.pssi_draft)
