"""``socle ssi``: the regional security officer's commands. Each part adds a sub-app."""

from __future__ import annotations

import typer

from ssi import cli_campaigns, cli_checks, cli_frameworks, cli_indicators, cli_risks

app = typer.Typer(
    help="SSI plane: frameworks, diagnostic flash campaigns, EBIOS RM studies, HN/CaRE.",
    no_args_is_help=True,
)
app.add_typer(cli_frameworks.app, name="frameworks")
app.add_typer(cli_indicators.indicators_app, name="indicators")
app.add_typer(cli_indicators.regional_app, name="regional")
app.add_typer(cli_checks.app, name="check")
app.add_typer(cli_campaigns.campaign_app, name="campaign")
app.add_typer(cli_campaigns.assessment_app, name="assessment")
app.add_typer(cli_risks.risk_app, name="risk")
app.command("pssi")(cli_risks.pssi_draft)
